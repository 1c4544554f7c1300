// The service's schema, one migration per version (see schema.h). Times are milliseconds since
// the Unix epoch; JSON columns hold text; ids are assigned by the service, in memory, from the
// largest id stored (one writer inserts in order, so they are monotonic and known before commit).
#include "runtime/store/schema.h"

namespace wf::store {

namespace {

constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE orgs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  enrollment_secret TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
-- API tokens, stored as their BLAKE2b hash; kind 'admin' or 'agent'.
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  kind TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  agent_id INTEGER,
  created_at INTEGER NOT NULL
);
CREATE TABLE definitions (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  template INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  published_version INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (org_id, name)
);
CREATE TABLE definition_versions (
  definition_id INTEGER NOT NULL REFERENCES definitions(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  source TEXT NOT NULL,
  file TEXT NOT NULL,
  files TEXT NOT NULL DEFAULT '{}',  -- the imported files pushed with it: {name: text}
  module BLOB NOT NULL,
  module_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (definition_id, version)
);
CREATE TABLE instances (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL,
  definition_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  workflow TEXT NOT NULL,
  module_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  pause_reason TEXT,
  params TEXT NOT NULL,
  targets TEXT NOT NULL,
  parent_id INTEGER,
  parent_fiber INTEGER,
  parent_seq INTEGER,
  created_at INTEGER NOT NULL,
  scheduled_at INTEGER,
  started_at INTEGER,
  ended_at INTEGER,
  timeout_at INTEGER,
  result TEXT,
  error TEXT,
  error_message TEXT,
  continuation BLOB,
  checkpoint BLOB,
  operator_paused INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX instances_by_status ON instances (org_id, status);
CREATE INDEX instances_by_workflow ON instances (org_id, workflow);
-- The effects an instance waits for: created with the transition that asked for them, deleted
-- with the one they resumed. `args` holds the effect's argument record (vm encode_values).
CREATE TABLE waits (
  instance_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  fiber INTEGER NOT NULL,
  kind TEXT NOT NULL,
  args BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  due_at INTEGER,
  PRIMARY KEY (instance_id, seq)
);
CREATE TABLE steps (
  instance_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  effect_seq INTEGER,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  PRIMARY KEY (instance_id, idx)
);
CREATE TABLE instance_log (
  instance_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  data TEXT,
  PRIMARY KEY (instance_id, seq)
);
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL,
  instance_id INTEGER,
  effect_seq INTEGER,
  host_index INTEGER,
  host TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 1,
  spec TEXT NOT NULL,
  description TEXT NOT NULL,
  priority INTEGER NOT NULL,
  status TEXT NOT NULL,
  scheduled_at INTEGER NOT NULL,
  dispatched_at INTEGER,
  started_at INTEGER,
  ended_at INTEGER,
  agent_id INTEGER,
  exit_code INTEGER,
  stdout TEXT,
  stderr TEXT,
  stdout_truncated INTEGER NOT NULL DEFAULT 0,
  stderr_truncated INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER,
  error TEXT,
  UNIQUE (instance_id, effect_seq, host_index, attempt)
);
CREATE INDEX jobs_by_status ON jobs (status, host);
CREATE TABLE approvals (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL,
  instance_id INTEGER NOT NULL,
  effect_seq INTEGER NOT NULL,
  title TEXT NOT NULL,
  quorum TEXT NOT NULL,
  approvers TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  timeout_at INTEGER,
  decided_at INTEGER
);
CREATE INDEX approvals_by_status ON approvals (org_id, status);
CREATE TABLE approval_responses (
  approval_id INTEGER NOT NULL,
  who TEXT NOT NULL,
  decision TEXT NOT NULL,
  note TEXT NOT NULL,
  via TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX approval_responses_by_approval ON approval_responses (approval_id);
-- Events delivered to `wait event` before the instance took them.
CREATE TABLE signals (
  instance_id INTEGER NOT NULL,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE agents (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL,
  hostname TEXT NOT NULL,
  ip TEXT NOT NULL,
  os TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  last_heartbeat INTEGER,
  UNIQUE (org_id, hostname)
);
CREATE TABLE groups (
  org_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  hosts TEXT NOT NULL,
  PRIMARY KEY (org_id, name)
);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL,
  instance_id INTEGER,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX events_by_instance ON events (instance_id, id);
-- Privileged identities (SPEC §4.7): the secret sealed with the service's vault key
-- (libsodium secretbox: nonce, then ciphertext); never stored or answered in the clear.
CREATE TABLE vault_identities (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  username TEXT NOT NULL,
  domain TEXT NOT NULL DEFAULT '',
  credential_type TEXT NOT NULL DEFAULT 'password',
  secret BLOB NOT NULL,
  requires_approval INTEGER NOT NULL DEFAULT 0,
  rotate_after_use INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE (org_id, name)
);
-- Checkouts: the session handle a workflow's credential carries, until it is checked in.
CREATE TABLE credential_sessions (
  session TEXT PRIMARY KEY,
  org_id INTEGER NOT NULL,
  identity TEXT NOT NULL,
  instance_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  checked_in_at INTEGER
);
)sql";

// What started an instance (SPEC §4.1 "trigger"): manual, schedule, webhook, alert, api, child,
// retry. Instances stored before it were all started by a person or a child effect.
constexpr std::string_view kVersion2 = R"sql(
ALTER TABLE instances ADD COLUMN trigger TEXT NOT NULL DEFAULT 'manual';
UPDATE instances SET trigger = 'child' WHERE parent_id IS NOT NULL;
CREATE INDEX instances_by_trigger ON instances (org_id, trigger);
)sql";

// History on retry (SPEC §4.1, append-only): an instance counts its attempts (a retry starts the
// next), and each timeline row says in which attempt it ran. `checkpoint_steps` names the steps
// open at the checkpoint (JSON {fiber: [names, outermost first]}), which a retry opens again.
constexpr std::string_view kVersion3 = R"sql(
ALTER TABLE instances ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE instances ADD COLUMN checkpoint_steps TEXT NOT NULL DEFAULT '{}';
ALTER TABLE steps ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
)sql";

// Cancelling a running job (docs/api.md "Jobs and agents"): when an operator asked, kept until
// its agent has killed it and reported it cancelled. A host whose agent is live registers again
// only with that agent's token or an admin's approval, kept until the registration uses it.
constexpr std::string_view kVersion4 = R"sql(
ALTER TABLE jobs ADD COLUMN cancel_requested_at INTEGER;
ALTER TABLE agents ADD COLUMN reregistration_approved_at INTEGER;
)sql";

// Large stores: every list's filters served by an index, in the list's order. An index's rows of
// one key are in rowid order, so `(org_id, status)` reads a status's instances newest first from
// a cursor on without a sort; a workflow's instances of one status (the common pair) have an index
// of their own, so that neither filter is read through rows the other drops. Recovery reads the
// live instances through a partial index (they are few among millions ended), a parent's child, a
// request of an effect and an instance's kept signals by their keys.
constexpr std::string_view kVersion5 = R"sql(
CREATE INDEX instances_by_org ON instances (org_id);
CREATE INDEX instances_by_workflow_status ON instances (org_id, workflow, status);
CREATE INDEX instances_live ON instances (id) WHERE status NOT IN ('completed', 'failed', 'cancelled', 'timeout');
CREATE INDEX instances_by_parent ON instances (parent_id, parent_seq) WHERE parent_id IS NOT NULL;
CREATE INDEX jobs_by_org ON jobs (org_id);
CREATE INDEX jobs_by_org_status ON jobs (org_id, status);
CREATE INDEX jobs_by_org_host ON jobs (org_id, host);
CREATE INDEX jobs_by_org_instance ON jobs (org_id, instance_id);
CREATE INDEX approvals_by_org ON approvals (org_id);
CREATE INDEX approvals_by_org_instance ON approvals (org_id, instance_id);
CREATE INDEX approvals_by_effect ON approvals (instance_id, effect_seq);
CREATE INDEX events_by_org ON events (org_id, id);
CREATE INDEX signals_by_instance ON signals (instance_id, event);
)sql";

// History is append-only (SPEC §4.1): removing an ended job (`DELETE /jobs/{id}`) takes it out of
// the job lists and keeps its row, output and all.
constexpr std::string_view kVersion6 = R"sql(
ALTER TABLE jobs ADD COLUMN removed_at INTEGER;
)sql";

// A host's tags (SPEC §1.6 `host.tags`): those an operator set (`PATCH /hosts/{name}`) and those
// its agent reports (`wf agent --tag`), each a JSON list of strings; the host has both.
constexpr std::string_view kVersion7 = R"sql(
ALTER TABLE agents ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agents ADD COLUMN agent_tags TEXT NOT NULL DEFAULT '[]';
)sql";

// A job's delay when it was queued (a retry's), so that a restart after the wall clock was set
// back does not hold a job for the time the clock had run ahead.
constexpr std::string_view kVersion8 = R"sql(
ALTER TABLE jobs ADD COLUMN delay_ms INTEGER NOT NULL DEFAULT 0;
)sql";

// People and what they may do (SPEC §4.7). A user belongs to one organization (a person in two
// has a user in each); the built-in roles are the service's table (permissions.h) and only custom
// roles are rows; a grant names its role. A user's token (`wft_<id>_<secret>`) is found by its id
// and checked against the hash of its secret; agents' tokens stay as they are. The first start's
// administrator token becomes the token of a user `admin` holding the role `admin`. The audit log
// is append-only: who did what, and every request refused.
constexpr std::string_view kVersion9 = R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE (org_id, name)
);
CREATE TABLE roles (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  permissions TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (org_id, name)
);
CREATE TABLE role_grants (
  user_id INTEGER NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  granted_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, role)
) WITHOUT ROWID;
ALTER TABLE tokens ADD COLUMN user_id INTEGER REFERENCES users(id);
ALTER TABLE tokens ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;
ALTER TABLE tokens ADD COLUMN revoked_at INTEGER;
CREATE INDEX tokens_by_org ON tokens (org_id, id);
INSERT INTO users (org_id, name, display_name, created_at) SELECT id, 'admin', 'Administrator', created_at FROM orgs;
INSERT INTO role_grants (user_id, role, granted_at) SELECT id, 'admin', created_at FROM users;
UPDATE tokens SET kind = 'user', name = 'admin.token',
  user_id = (SELECT u.id FROM users u WHERE u.org_id = tokens.org_id AND u.name = 'admin') WHERE kind = 'admin';
ALTER TABLE approval_responses ADD COLUMN recorded_by TEXT NOT NULL DEFAULT '';
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor_kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  token_id INTEGER,
  action TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  resource TEXT NOT NULL,
  resource_id TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL,
  status INTEGER NOT NULL,
  client TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_org ON audit (org_id, id);
)sql";

// The script library (docs/api.md "Script library"): the managed script a job ran and the
// definition version that declared it, and a script's executions listed newest first through an
// index of those jobs alone (most jobs run no managed script).
constexpr std::string_view kVersion10 = R"sql(
ALTER TABLE jobs ADD COLUMN script TEXT;
ALTER TABLE jobs ADD COLUMN script_definition_id INTEGER;
ALTER TABLE jobs ADD COLUMN script_version INTEGER;
CREATE INDEX jobs_by_org_script ON jobs (org_id, script) WHERE script IS NOT NULL;
)sql";

// The kill switch (SPEC §4.6): one row per organization that has ever flipped it, holding where it
// stands now. Its history is not a table of its own: every flip is an `automation.paused` or
// `automation.resumed` event (who, when, why), and the audit log records the request too; both
// are append-only already. An instance the switch holds is flagged, and so is the effect it was
// about to begin, so a restart holds them still and a resume begins exactly those.
constexpr std::string_view kVersion11 = R"sql(
CREATE TABLE automation_switch (
  org_id INTEGER PRIMARY KEY,
  paused INTEGER NOT NULL,
  changed_by TEXT NOT NULL,
  changed_at INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT ''
);
ALTER TABLE instances ADD COLUMN kill_switch_paused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE waits ADD COLUMN withheld INTEGER NOT NULL DEFAULT 0;
)sql";

// Inbound webhooks (docs/operations.md "Hooks"): a hook with its key and target, its secrets (kept
// in clear: verifying an HMAC needs the secret itself), the append-only record of its deliveries,
// the signatures and webhook-ids seen lately (unique, so a replay is refused across restarts;
// entries older than the window are pruned, they are not history), and the instance each alert
// fingerprint started last.
constexpr std::string_view kVersion12 = R"sql(
CREATE TABLE hooks (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  target TEXT NOT NULL,
  workflow TEXT NOT NULL DEFAULT '',
  param_map TEXT NOT NULL DEFAULT '{}',
  event TEXT NOT NULL DEFAULT '',
  instance_pointer TEXT NOT NULL DEFAULT '',
  auth TEXT NOT NULL,
  bearer_hash TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL DEFAULT '',
  disabled_at INTEGER,
  UNIQUE (org_id, name)
);
CREATE TABLE hook_secrets (
  id INTEGER PRIMARY KEY,
  hook_id INTEGER NOT NULL REFERENCES hooks(id),
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX hook_secrets_by_hook ON hook_secrets (hook_id, id);
CREATE TABLE hook_deliveries (
  id INTEGER PRIMARY KEY,
  hook_id INTEGER NOT NULL REFERENCES hooks(id),
  received_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  status INTEGER NOT NULL,
  instance_id INTEGER,
  signature TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hook_deliveries_by_hook ON hook_deliveries (hook_id, id);
CREATE TABLE hook_replays (
  hook_id INTEGER NOT NULL,
  signature TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (hook_id, signature)
);
CREATE INDEX hook_replays_by_time ON hook_replays (seen_at);
CREATE TABLE hook_alerts (
  hook_id INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  instance_id INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  PRIMARY KEY (hook_id, fingerprint)
);
)sql";

// Notifications (SPEC §4.9): the channels an organization configures (config: JSON, secrets
// included, never answered back), one row per notification and channel written with the
// transition that asked for it, each delivery attempt appended (never updated), and the retry
// schedule an organization chose (JSON array of delays in milliseconds; none: the default).
constexpr std::string_view kVersion13 = R"sql(
CREATE TABLE notification_channels (
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  config TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, kind, name)
) WITHOUT ROWID;
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL,
  instance_id INTEGER,
  workflow TEXT NOT NULL DEFAULT '',
  step TEXT NOT NULL DEFAULT '',
  channel TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  round_attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  ended_at INTEGER,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_by_org ON notifications (org_id, id);
CREATE INDEX notifications_pending ON notifications (status) WHERE status = 'pending';
CREATE TABLE notification_attempts (
  id INTEGER PRIMARY KEY,
  notification_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  code INTEGER NOT NULL DEFAULT 0,
  outcome TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notification_attempts_by_notification ON notification_attempts (notification_id, id);
CREATE TABLE notification_settings (
  org_id INTEGER PRIMARY KEY REFERENCES orgs(id),
  retry_schedule TEXT NOT NULL
);
)sql";

// Analytics (docs/api.md "Analytics", store/analytics.cpp): an organization's instances by
// creation time, jobs by end time and approval requests by creation time, each index holding every
// column its report reads, so that a range is read from the index alone.
constexpr std::string_view kVersion14 = R"sql(
CREATE INDEX instances_by_org_created ON instances (org_id, created_at, workflow, status, started_at, ended_at);
CREATE INDEX jobs_by_org_ended ON jobs (org_id, ended_at, agent_id, duration_ms, started_at, instance_id);
CREATE INDEX approvals_by_org_created ON approvals (org_id, created_at, status, decided_at, instance_id);
)sql";

// Schedules (SPEC §4.5) and their ticks. A schedule's name is unique among its organization's
// schedules not removed; a removed one keeps its row, and ticks are only ever appended.
constexpr std::string_view kVersion15 = R"sql(
CREATE TABLE schedules (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  definition_id INTEGER,
  workflow TEXT NOT NULL DEFAULT '',
  params TEXT NOT NULL DEFAULT '{}',
  targets TEXT NOT NULL DEFAULT '{}',
  job TEXT,
  expression TEXT NOT NULL,
  zone TEXT NOT NULL DEFAULT 'UTC',
  start_at INTEGER NOT NULL,
  end_at INTEGER,
  max_recurrences INTEGER,
  overlap TEXT NOT NULL DEFAULT 'skip',
  catch_up_ms INTEGER NOT NULL DEFAULT 60000,
  paused INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  next_due INTEGER,
  tick_count INTEGER NOT NULL DEFAULT 0,
  last_instance_id INTEGER,
  last_job_ids TEXT NOT NULL DEFAULT '[]',
  buffered_due INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  removed_at INTEGER
);
CREATE UNIQUE INDEX schedules_by_org_name ON schedules (org_id, name) WHERE removed_at IS NULL;
CREATE INDEX schedules_by_definition ON schedules (definition_id) WHERE removed_at IS NULL;
CREATE TABLE schedule_ticks (
  id INTEGER PRIMARY KEY,
  schedule_id INTEGER NOT NULL REFERENCES schedules(id),
  org_id INTEGER NOT NULL,
  due INTEGER NOT NULL,
  fired_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  instance_id INTEGER,
  job_ids TEXT,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX schedule_ticks_by_schedule ON schedule_ticks (schedule_id, id);
)sql";

// The analytics index of instances holds only what never changes once an instance is made, so
// the upsert every transition makes (which sets status, started_at, ended_at) leaves it alone:
// version 14's covering index was rewritten by each one and cost the transition path about 8% of
// its throughput (docs/performance.md). Analytics reads the rest of each row from the table.
constexpr std::string_view kVersion16 = R"sql(
DROP INDEX instances_by_org_created;
CREATE INDEX instances_by_org_created ON instances (org_id, created_at);
)sql";

// Analytics over many instances (docs/performance.md, "Analytics and metrics"): the report reads
// the ended executions of whole UTC days from a summary the store keeps as instances end, not from
// each instance. execution_ends holds, per organization, day of creation and workflow, one entry
// ";n:s:ms" per ended instance — n the last 8 bits of its id, s its status (c completed, f failed,
// x cancelled, t timeout), ms its duration (empty without an end time) — in rows of the 256
// consecutive ids that share `chunk` (id >> 8): adding one rewrites a short row, and a retry
// (failed back to running) takes its entry out again. The triggers keep it exact in the same
// statement, hence the same transaction, as the instance's row; they do work only when an
// instance ends or stops having ended, so a transition pays for no more than their condition.
// A duration is from the start (or the creation, for an instance that never started) to the end.
// Their conditions, and the condition of the index of live instances, test a status with `=` and
// `<>`, never with an IN list: SQLite builds an IN list's table anew each time it evaluates one,
// which made version 1's instances_live cost each instance's upsert about 4 µs, as much as the
// rest of the upsert (docs/performance.md). Queries that use that index repeat its condition.
constexpr std::string_view kVersion17 = R"sql(
CREATE TABLE execution_ends (
  org_id INTEGER NOT NULL,
  day INTEGER NOT NULL,
  workflow TEXT NOT NULL,
  chunk INTEGER NOT NULL,
  entries TEXT NOT NULL,
  PRIMARY KEY (org_id, day, workflow, chunk)
) WITHOUT ROWID;
INSERT INTO execution_ends
  SELECT org_id, created_at / 86400000, workflow, id >> 8,
         ';' || group_concat((id & 255) || ':' ||
                             CASE status WHEN 'completed' THEN 'c' WHEN 'failed' THEN 'f' WHEN 'cancelled' THEN 'x' ELSE 't' END || ':' ||
                             coalesce(max(0, ended_at - coalesce(started_at, created_at)), ''), ';') || ';'
  FROM instances WHERE status IN ('completed', 'failed', 'cancelled', 'timeout')
  GROUP BY 1, 2, 3, 4;
CREATE TRIGGER execution_ends_on_insert AFTER INSERT ON instances
  WHEN (new.status = 'completed' OR new.status = 'failed' OR new.status = 'cancelled' OR new.status = 'timeout') BEGIN
  INSERT INTO execution_ends (org_id, day, workflow, chunk, entries)
    VALUES (new.org_id, new.created_at / 86400000, new.workflow, new.id >> 8,
            ';' || (new.id & 255) || ':' ||
            CASE new.status WHEN 'completed' THEN 'c' WHEN 'failed' THEN 'f' WHEN 'cancelled' THEN 'x' ELSE 't' END || ':' ||
            coalesce(max(0, new.ended_at - coalesce(new.started_at, new.created_at)), '') || ';')
    ON CONFLICT DO UPDATE SET entries = entries || substr(excluded.entries, 2);
END;
CREATE TRIGGER execution_ends_on_change AFTER UPDATE OF status, started_at, ended_at ON instances
  WHEN ((old.status = 'completed' OR old.status = 'failed' OR old.status = 'cancelled' OR old.status = 'timeout') OR (new.status = 'completed' OR new.status = 'failed' OR new.status = 'cancelled' OR new.status = 'timeout'))
   AND (old.status IS NOT new.status OR old.started_at IS NOT new.started_at OR old.ended_at IS NOT new.ended_at) BEGIN
  UPDATE execution_ends
    SET entries = replace(entries,
                          ';' || (old.id & 255) || ':' ||
                          CASE old.status WHEN 'completed' THEN 'c' WHEN 'failed' THEN 'f' WHEN 'cancelled' THEN 'x' ELSE 't' END || ':' ||
                          coalesce(max(0, old.ended_at - coalesce(old.started_at, old.created_at)), '') || ';', ';')
    WHERE (old.status = 'completed' OR old.status = 'failed' OR old.status = 'cancelled' OR old.status = 'timeout')
      AND org_id = old.org_id AND day = old.created_at / 86400000 AND workflow = old.workflow AND chunk = old.id >> 8;
  INSERT INTO execution_ends (org_id, day, workflow, chunk, entries)
    SELECT new.org_id, new.created_at / 86400000, new.workflow, new.id >> 8,
           ';' || (new.id & 255) || ':' ||
           CASE new.status WHEN 'completed' THEN 'c' WHEN 'failed' THEN 'f' WHEN 'cancelled' THEN 'x' ELSE 't' END || ':' ||
           coalesce(max(0, new.ended_at - coalesce(new.started_at, new.created_at)), '') || ';'
    WHERE (new.status = 'completed' OR new.status = 'failed' OR new.status = 'cancelled' OR new.status = 'timeout')
    ON CONFLICT DO UPDATE SET entries = entries || substr(excluded.entries, 2);
END;
DROP INDEX instances_live;
CREATE INDEX instances_live ON instances (id)
  WHERE status <> 'completed' AND status <> 'failed' AND status <> 'cancelled' AND status <> 'timeout';
CREATE INDEX notifications_by_org_created ON notifications (org_id, created_at, workflow, status);
)sql";

// Privileged access (SPEC §1.8, §4.7): an identity says who approves its checkouts (JSON list of
// "user:NAME" / "role:NAME"; empty: anyone holding pam_vaults.manage), with which quorum and
// timeout; how its secret is rotated (a script run as a job on `rotate_host` receiving the new
// secret in its environment; `secret_length` characters of `secret_alphabet`, empty for letters and
// digits) and where a failed rotation is told (`channel`, "kind:target"). `pending_secret` holds a
// rotation's new secret, sealed like `secret`, until its job succeeds; `rotation_status` is
// "", "rotating", "rotated" or "rotation_failed". A session carries its lease (`expires_at`) and
// why it was closed (`closed_reason`: checkin, expired, revoked, instance_ended) and by whom.
constexpr std::string_view kVersion18 = R"sql(
ALTER TABLE vault_identities ADD COLUMN approvers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE vault_identities ADD COLUMN approval_quorum TEXT NOT NULL DEFAULT 'one_of_many';
ALTER TABLE vault_identities ADD COLUMN approval_timeout_ms INTEGER NOT NULL DEFAULT 3600000;
ALTER TABLE vault_identities ADD COLUMN rotate_script TEXT NOT NULL DEFAULT '';
ALTER TABLE vault_identities ADD COLUMN rotate_interpreter TEXT NOT NULL DEFAULT 'bash';
ALTER TABLE vault_identities ADD COLUMN rotate_host TEXT NOT NULL DEFAULT '';
ALTER TABLE vault_identities ADD COLUMN secret_length INTEGER NOT NULL DEFAULT 24;
ALTER TABLE vault_identities ADD COLUMN secret_alphabet TEXT NOT NULL DEFAULT '';
ALTER TABLE vault_identities ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE vault_identities ADD COLUMN pending_secret BLOB;
ALTER TABLE vault_identities ADD COLUMN rotation_status TEXT NOT NULL DEFAULT '';
ALTER TABLE vault_identities ADD COLUMN rotation_job INTEGER;
ALTER TABLE vault_identities ADD COLUMN rotated_at INTEGER;
ALTER TABLE credential_sessions ADD COLUMN expires_at INTEGER;
ALTER TABLE credential_sessions ADD COLUMN closed_reason TEXT;
ALTER TABLE credential_sessions ADD COLUMN closed_by TEXT NOT NULL DEFAULT '';
CREATE INDEX credential_sessions_open ON credential_sessions (org_id, created_at) WHERE checked_in_at IS NULL;
CREATE INDEX credential_sessions_by_instance ON credential_sessions (instance_id) WHERE checked_in_at IS NULL;
)sql";

constexpr Migration kMigrations[] = {
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
    {4, kVersion4},
    {5, kVersion5},
    {6, kVersion6},
    {7, kVersion7},
    {8, kVersion8},
    {9, kVersion9},
    {10, kVersion10},
    {11, kVersion11},
    {12, kVersion12},
    {13, kVersion13},
    {14, kVersion14},
    {15, kVersion15},
    {16, kVersion16},
    {17, kVersion17},
    {18, kVersion18},
};

}  // namespace

std::span<const Migration> service_migrations() { return kMigrations; }

}  // namespace wf::store

// The store's row types: plain copies of what the store holds — made on the loop thread by the
// engine and written by the store's writer thread (changes.h), so no live engine object is ever
// touched off the loop, and read back by the query modules (instances.h, jobs.h, ...). Every row
// that belongs to an organization carries its id, which has no default: a row is always made
// for a known organization.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/store/statuses.h"

namespace wf::store {

// Bytes shared by the live instance and the rows of its transitions (a continuation is copied
// into every transition's row; sharing it costs a reference count, not a kilobyte).
using SharedBytes = std::shared_ptr<const std::vector<uint8_t>>;
inline SharedBytes share(std::vector<uint8_t> bytes) { return std::make_shared<const std::vector<uint8_t>>(std::move(bytes)); }
inline std::span<const uint8_t> view(const SharedBytes& b) {
  return b ? std::span<const uint8_t>(*b) : std::span<const uint8_t>();
}

struct InstanceRow {
  int64_t id = 0, org_id = 0, definition_id = 0, version = 0;
  std::string workflow, module_hash;
  InstanceStatus status = InstanceStatus::Queued;
  std::optional<PauseReason> pause_reason;  // set while paused
  std::string params = "{}", targets = "{}";  // JSON
  Trigger trigger = Trigger::Manual;
  int64_t attempt = 1;  // 1, and one more for each retry
  std::string checkpoint_steps = "{}";  // JSON {fiber: [step names open at the checkpoint]}
  std::optional<int64_t> parent_id, parent_fiber, parent_seq;
  int64_t created_at = 0;
  std::optional<int64_t> scheduled_at, started_at, ended_at, timeout_at;
  std::string result, error, error_message;  // JSON, JSON, text ("" = NULL)
  SharedBytes continuation, checkpoint;  // null: none
  bool operator_paused = false;
  // Held by the kill switch (SPEC §4.6): an effect it asked for is withheld until automation
  // resumes.
  bool kill_switch_paused = false;
};

struct WaitRow {
  int64_t instance_id = 0;
  uint64_t seq = 0;
  uint32_t fiber = 0;
  std::string kind;
  std::vector<uint8_t> args;
  int64_t created_at = 0;
  std::optional<int64_t> due_at;
  bool withheld = false;  // asked for while the kill switch held the instance: not begun yet
};

// Where an organization's kill switch stands (SPEC §4.6): who flipped it last, when, and why.
struct AutomationSwitchRow {
  int64_t org_id = 0;
  bool paused = false;
  std::string changed_by;
  int64_t changed_at = 0;
  std::string reason;
};

// The managed script a job ran (a workflow's `run script`, or POST /scripts/{name}/execute) and
// the version of the definition that declared it: what lists the job as one of its executions.
struct JobScript {
  std::string name;
  int64_t definition_id = 0, version = 0;
};

struct JobRow {
  int64_t id = 0, org_id = 0;
  std::optional<int64_t> instance_id, effect_seq, host_index;
  std::string host;
  int64_t attempt = 1;
  std::string spec = "{}", description;  // spec: the JSON handed to an agent
  int64_t priority = 0;
  JobStatus status = JobStatus::Queued;
  int64_t scheduled_at = 0;
  // How long after it was queued it may run (a retry's delay): a restart reckons the wait left
  // from scheduled_at, and never longer than this, whatever the wall clock did meanwhile.
  int64_t delay_ms = 0;
  std::optional<int64_t> dispatched_at, started_at, ended_at, agent_id, exit_code, duration_ms;
  std::string stdout_text, stderr_text, error;
  bool stdout_truncated = false, stderr_truncated = false;
  std::optional<int64_t> cancel_requested_at;  // an operator cancelled it while it ran on an agent
  std::optional<JobScript> script;             // none for a job that ran no managed script
};

struct ApprovalRow {
  int64_t id = 0, org_id = 0, instance_id = 0;
  uint64_t effect_seq = 0;
  std::string title, quorum, approvers = "[]";  // approvers: JSON list of names
  ApprovalStatus status = ApprovalStatus::Pending;
  int64_t created_at = 0;
  std::optional<int64_t> timeout_at, decided_at;
};

struct ResponseRow {
  int64_t approval_id = 0;
  std::string who, decision, note, via;
  int64_t at = 0;
  std::string recorded_by;  // an administrator who recorded it on `who`'s behalf
};

struct StepRow {
  int64_t instance_id = 0, idx = 0;
  std::string kind, name;
  std::optional<int64_t> effect_seq;
  std::string status;  // running | completed | failed | cancelled
  int64_t attempt = 1;  // the instance's attempt it ran in
  int64_t started_at = 0;
  std::optional<int64_t> ended_at;
};

struct LogRow {
  int64_t instance_id = 0, seq = 0, at = 0;
  std::string kind, message, data;  // data: JSON or ""
};

struct EventRow {
  int64_t id = 0, org_id = 0;
  std::optional<int64_t> instance_id;
  int64_t at = 0;
  std::string type, data;  // data: JSON
};

// A checkout's session; `checked_in_at` set by its checkin (or its close: lease expired, revoked,
// instance ended). `expires_at` is the end of its lease (the checkout's ttl), none without one.
struct SessionRow {
  std::string session, identity;
  int64_t org_id = 0, instance_id = 0, created_at = 0;
  std::optional<int64_t> expires_at;
};

// A session closed otherwise than by its checkin: `reason` expired, revoked or instance_ended.
struct SessionClose {
  std::string session;
  int64_t at = 0;
  std::string reason, by;
};

struct SignalRow {
  int64_t instance_id = 0;
  std::string event, payload;
  int64_t at = 0;
};

// A schedule (SPEC §4.5): what it starts — a workflow (`definition_id` with `params` and
// `targets` as a run request gives them) or a recurring job (`job`: the hosts and the command or
// script of its child jobs) — when (`expression` in `zone`, from `start_at` to `end_at`, at most
// `max_recurrences` due times), and where it stands: the next due time (none once it has ended),
// how many due times have passed, the last run it started, and a tick waiting for that run
// (buffer_one). A removed schedule keeps its row (`removed_at`) for its ticks' sake.
struct ScheduleRow {
  int64_t id = 0, org_id = 0;
  std::string name;
  std::optional<int64_t> definition_id;
  std::string workflow;                       // the definition's name, as it was when it was set
  std::string params = "{}", targets = "{}";  // JSON, a run request's `params` and {hosts, groups}
  std::string job;                            // JSON: a recurring job's spec; "" for a workflow
  std::string expression, zone = "UTC";
  int64_t start_at = 0;
  std::optional<int64_t> end_at, max_recurrences;
  OverlapPolicy overlap = OverlapPolicy::Skip;
  int64_t catch_up_ms = 60000;
  bool paused = false;
  ScheduleSource source = ScheduleSource::Api;
  std::optional<int64_t> next_due;
  int64_t tick_count = 0;
  std::optional<int64_t> last_instance_id;
  std::string last_job_ids = "[]";  // JSON: the jobs the last tick of a recurring job made
  std::optional<int64_t> buffered_due;
  int64_t created_at = 0, updated_at = 0;
  std::optional<int64_t> removed_at;
};

// One tick of a schedule, appended once and never changed.
struct TickRow {
  int64_t schedule_id = 0, org_id = 0;
  int64_t due = 0, fired_at = 0;
  TickOutcome outcome = TickOutcome::Started;
  std::optional<int64_t> instance_id;
  std::string job_ids;  // JSON list, "" when none
  std::string detail;
};

}  // namespace wf::store

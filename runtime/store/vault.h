// The vault of the store (SPEC §4.7): privileged identities with their sealed secrets, and the
// checkout sessions a workflow's credentials carry. Only the vault's own code unseals a secret.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/page.h"
#include "runtime/store/query.h"

namespace wf::store {

struct IdentityRow {
  std::string name, username, domain, credential_type = "password";
  std::vector<uint8_t> sealed_secret;  // read only by the session lookup; empty in lists
  bool requires_approval = false, rotate_after_use = false;
  int64_t created_at = 0;
  // Who approves a checkout ("user:NAME", "role:NAME" as a JSON list; empty: anyone holding
  // pam_vaults.manage), under which quorum, for how long before it expires.
  std::string approvers = "[]", approval_quorum = "one_of_many";
  int64_t approval_timeout_ms = 3600000;
  // Rotation: the script (`rotate_interpreter` bash or python) run as a job on `rotate_host` with
  // the new secret in its environment; the new secret's length and alphabet (empty: letters and
  // digits); the channel ("kind:target") told when a rotation fails.
  std::string rotate_script, rotate_interpreter = "bash", rotate_host;
  int64_t secret_length = 24;
  std::string secret_alphabet, channel;
  // "", "rotating", "rotated" or "rotation_failed"; the job of the rotation under way or last run.
  std::string rotation_status;
  std::optional<int64_t> rotation_job, rotated_at;
};

// The identity behind a checkout session, and whether it was checked in.
struct SessionIdentity {
  IdentityRow identity;
  bool checked_in = false;
  std::string closed_reason;  // checkin, expired, revoked, instance_ended ("" while open)
  int64_t org_id = 0, instance_id = 0;
};

// A checkout session as an operator sees it.
struct SessionInfo {
  std::string session, identity;
  int64_t org_id = 0, instance_id = 0, created_at = 0;
  std::optional<int64_t> expires_at, closed_at;
  std::string closed_reason, closed_by;
};

}  // namespace wf::store

namespace wf::store::vault {

Result<Page<IdentityRow>> list(Database& db, int64_t org, Paging page);
// An identity without its secret.
Result<std::optional<IdentityRow>> find(Database& db, int64_t org, std::string_view name);
// An identity with its sealed secret and, in `pending`, the sealed secret of a rotation under way.
Result<std::optional<IdentityRow>> find_sealed(Database& db, int64_t org, std::string_view name, std::vector<uint8_t>* pending);
// The identity (with its sealed secret) a checkout session was opened for.
Result<std::optional<SessionIdentity>> session(Database& db, std::string_view session);
// Creates or replaces an identity.
bool put(Database& db, int64_t org, const IdentityRow& identity, int64_t now, std::string& error);
bool remove(Database& db, int64_t org, std::string_view name, std::string& error);

// ---- sessions
// The open sessions of `org`, oldest first.
Result<std::vector<SessionInfo>> open_sessions(Database& db, int64_t org);
Result<std::optional<SessionInfo>> find_session(Database& db, int64_t org, std::string_view session);
// Every open session with a lease (all organizations), for the service's lease timers.
Result<std::vector<SessionInfo>> leased_sessions(Database& db);

// ---- rotation
// Records a rotation under way: its new secret (sealed) waits in `pending_secret` for its job.
bool begin_rotation(Database& db, int64_t org, std::string_view name, const std::vector<uint8_t>& pending, std::string& error);
// The job that runs the rotation under way.
bool set_rotation_job(Database& db, int64_t org, std::string_view name, int64_t job, std::string& error);
// Ends the rotation run by `job`: succeeded, the pending secret becomes the secret; failed, the
// old secret stays and the identity is marked rotation_failed. Nothing when `job` is not its
// rotation job (a stale report).
bool end_rotation(Database& db, int64_t org, std::string_view name, int64_t job, bool succeeded, int64_t now, std::string& error);

}  // namespace wf::store::vault

// The audit log of the store (SPEC §4.7): who did what, and every request refused. Rows are only
// ever appended; a list reads one organization's rows newest first, filtered and paged by id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/store/page.h"
#include "runtime/store/query.h"
#include "runtime/store/statuses.h"

namespace wf::store {

// One answered request. `path` is the route's template (`/instances/{id}/cancel`), never the
// request's own path or query; `detail` is short and never holds a body, a token or a secret.
struct AuditRow {
  int64_t id = 0, org_id = 0;
  int64_t at = 0;  // ms since the epoch, when the answer was given
  ActorKind actor_kind = ActorKind::Anonymous;
  std::string actor;  // the user's name, "agent:HOST", or "" for a caller without a known token
  std::optional<int64_t> token_id;
  std::string action;  // the route's permission, `agent.register`, or `authenticate` for a 401
  std::string method, path, resource, resource_id;
  AuditOutcome outcome = AuditOutcome::Ok;
  int64_t status = 0;
  std::string client, request_id, detail;
};

// The filters of an audit list; "" and nullopt filter nothing.
struct AuditFilter {
  std::string actor, action, resource, outcome;
  std::optional<int64_t> since_ms;  // rows answered at or after it
};

}  // namespace wf::store

namespace wf::store::audit {

// Appends `row` (its id is the store's).
bool append(Database& db, const AuditRow& row, std::string& error);
// A page of `org`'s rows, newest first; `page.after` is a row id (the list goes on with older ones).
Result<Page<AuditRow>> list(Database& db, int64_t org, const AuditFilter& filter, Paging page);
// The statements list() runs, for the test that every form is served by an index.
std::string list_sql(const AuditFilter& filter, bool after);
std::string count_sql(const AuditFilter& filter);

}  // namespace wf::store::audit

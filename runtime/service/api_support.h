// What every API handler of `wf serve` shares: the service's parts it works with, answers after a
// commit or a refusal, and time formatting; reading a request (its body with its types checked,
// paging, the error shape of SPEC §4.7) is request_fields.h, included here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/engine/engine.h"
#include "runtime/http/exchange.h"
#include "runtime/http/request.h"
#include "runtime/service/permissions.h"
#include "runtime/service/request_fields.h"
#include "runtime/store/query.h"
#include "runtime/store/reader.h"
#include "runtime/store/writer.h"
#include "vm/program.h"

namespace wf::service {

class Vault;
class HttpMetrics;
class RunMetrics;
class NotificationMetrics;
class StoreMetrics;
class TokenUses;
class PrincipalCache;
class Sessions;
class Scheduler;
class Rotations;

// Who is calling (SPEC §4.7): a user (through one of its tokens), an agent, or — on a route whose
// policy needs no token — anonymous. The router always sets the organization: the token's, or the
// service's own for an anonymous caller; 0 is no organization. A user's permissions are the union
// of its roles' in that organization.
struct Principal {
  enum class Kind { Anonymous, User, Agent } kind = Kind::Anonymous;
  int64_t org_id = 0;
  int64_t agent_id = 0;
  std::string agent_host;
  int64_t user_id = 0, token_id = 0;
  std::string user;                // the user's name
  std::vector<std::string> roles;  // the names of its roles, in name order
  PermissionSet permissions;

  bool can(Permission p) const { return permissions.has(p); }
  // Holds the role `admin`: may respond to any approval, and on another's behalf.
  bool admin() const;
  // The actor's name the audit log and the approvals record: the user's, "agent:HOST", or "".
  std::string actor() const;
};

// Compiled modules by (definition, version), loaded from the store once.
class ProgramCache {
 public:
  explicit ProgramCache(store::Database& reader) : reader_(reader) {}
  // Null when the version does not exist, its module does not load, or the store failed.
  std::shared_ptr<const vm::Program> get(int64_t definition_id, int64_t version);

 private:
  store::Database& reader_;
  std::map<std::pair<int64_t, int64_t>, std::shared_ptr<const vm::Program>> programs_;
};

struct Context {
  uv_loop_t* loop = nullptr;
  engine::Engine* engine = nullptr;
  store::Reader* reads = nullptr;  // every read of a handler goes through it (reader.h)
  store::Writer* writer = nullptr;
  ProgramCache* programs = nullptr;
  const Vault* vault = nullptr;  // the sealed secrets of vault identities
  int64_t org_id = 0;  // the organization the first start made: the one of callers without a token
  HttpMetrics* http_metrics = nullptr;  // what /metrics says of the requests; none in some tests
  RunMetrics* run_metrics = nullptr;    // and of the runs
  StoreMetrics* store_metrics = nullptr;  // and of the store's writer
  NotificationMetrics* notification_metrics = nullptr;  // and of the notifications' attempts
  std::function<size_t()> notifications_pending;         // for /metrics: the delivery's notifications not yet sent
  std::function<void(int64_t org)> notification_settings_changed;  // tells the delivery to read them again
  bool metrics_on = true;               // false under `wf serve --metrics off`: nothing is recorded, /metrics is 404
  TokenUses* token_uses = nullptr;      // when tokens were last used; none in some tests
  PrincipalCache* principals = nullptr; // tokens authenticated lately (auth.h); none: read each time
  bool metrics_public = false;          // /metrics answers without a token (`wf serve --metrics-public`)
  Sessions* sessions = nullptr;         // the console's sign-ins (sessions.h); none in some tests
  size_t event_streams = 0;             // Server-Sent Events streams open now (api_events.cpp), for /metrics
  Scheduler* scheduler = nullptr;       // the schedules' timeline (scheduler.h); none in some tests
  Rotations* rotations = nullptr;       // the vault's secret rotations (rotation.h); none in some tests
  // The instance an alert hook's fingerprint started, by (hook, fingerprint), from its start until
  // the store's record of it is written (hook_delivery.cpp): deliveries that arrive meanwhile see
  // it here, since the store does not have it yet.
  std::map<std::pair<int64_t, std::string>, int64_t> alerts_starting;
};

using ExchangePtr = std::shared_ptr<http::Exchange>;

// Answers 503 when a read of the store failed (a store error is an error, never "no rows");
// false then.
template <class T>
bool read_ok(http::Exchange& x, const store::Result<T>& r) {
  if (r.ok()) return true;
  reply_error(x, 503, "store_unavailable", "the store could not be read: " + r.error());
  return false;
}
// The list answer of a page whose items are already viewed: `{items, next, total}`, `next` (the
// cursor of the next page) only when there is one and `total` only when it was counted.
nlohmann::json page_json(nlohmann::json items, std::optional<int64_t> next, std::optional<int64_t> total);
// Answers a small list whole: `{items, total}`.
void reply_items(http::Exchange& x, nlohmann::json items);
// Answers a page of a list (page_json of view(row) of each row; 503 when the read failed).
template <class Row, class View>
void reply_page(http::Exchange& x, const store::Result<store::Page<Row>>& page, View view) {
  if (!read_ok(x, page)) return;
  nlohmann::json items = nlohmann::json::array();
  for (const Row& row : page->items) items.push_back(view(row));
  reply_json(x, 200, page_json(std::move(items), page->next, page->total));
}
// 503 `recovering` with Retry-After: the service is still reading its live instances back.
void reply_recovering(http::Exchange& x);
// The answer for an engine operation's result (404 / 409 / 400), false when it was Ok.
bool reply_refusal(http::Exchange& x, const engine::OpResult& r);
// 503 store_unavailable for a change the store did not take (a full disk, say): nothing of it was
// kept, in the store or in memory, and the same request can be made again.
void reply_not_stored(http::Exchange& x, const std::string& error);
// A Done that answers `body()` (computed after the commit) or, when the change was not stored, 503.
engine::Done reply_after_commit(ExchangePtr x, int status, std::function<nlohmann::json()> body);

// The paging of a large list (instances, jobs, approvals): skip/limit as paging(), `after` (the
// `next` of the page before: an id) and `count` (true or false, default false: the total costs a
// pass over every matching row). Answers 400 and returns false when invalid.
bool keyset_paging(const http::Request& r, http::Exchange& x, store::Paging& page);
// A list request's filter `param` that names a value of a status table (store/statuses.h): ""
// when not given, else the name; answers 400 and returns nullopt for a name the table does not
// have (a filter that can match nothing is a mistake worth saying, not an empty list).
template <class Enum>
std::optional<std::string> name_filter(const http::Request& r, http::Exchange& x, const char* param) {
  const std::string value = r.query_param(param).value_or("");
  if (value.empty() || store::parse<Enum>(value)) return value;
  reply_error(x, 400, "bad_request", fmt::format("`{}` must be one of {}", param, fmt::join(store::names(Enum{}), ", ")));
  return std::nullopt;
}
std::string format_time(int64_t ms);  // RFC 3339 UTC (vm::format_instant)

}  // namespace wf::service

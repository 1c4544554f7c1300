// The router (see router.h): the route table's rows decide everything a handler may then take
// for granted.
#include "runtime/service/router.h"

#include <fmt/format.h>

#include <uv.h>

#include "effects/clock.h"
#include "runtime/service/auth.h"
#include "runtime/service/http_metrics.h"
#include "runtime/service/observed_exchange.h"
#include "runtime/service/request_audit.h"
#include "runtime/service/request_id.h"
#include "runtime/service/request_log.h"
#include "runtime/service/route_table.h"
#include "runtime/service/routes.h"
#include "runtime/service/sessions.h"
#include "runtime/service/console_assets.h"

namespace wf::service {

namespace {

// Who calls a route of `policy`; answers 401 or 403 and returns nullopt when it is not allowed to.
// A caller whose token is known is told to `audit` (when the request has a draft) at once, before
// a 403; a caller without a token is the draft's anonymous caller already.
std::optional<Principal> caller(Context& c, AuthPolicy policy, const http::Request& r, http::Exchange& x, AuditDraft* audit) {
  switch (policy) {
    case AuthPolicy::None:
    case AuthPolicy::Enrollment:
    case AuthPolicy::SignedHook: {
      // No token: the secret (enrollment) or the signature (a hook) is in the body, and the
      // handler checks it. The caller acts in the service's organization.
      Principal anonymous;
      anonymous.org_id = c.org_id;
      return anonymous;
    }
    case AuthPolicy::Agent:
    case AuthPolicy::User: break;
  }
  const int64_t now = effects::wall_clock_ms();
  std::string_view auth = r.header("authorization");
  std::string_view bearer;
  const std::string_view session_id = c.sessions ? cookie_value(r.header("cookie"), kSessionCookie) : std::string_view();
  if (auth.size() > 7 && auth.substr(0, 7) == "Bearer ") {
    bearer = auth.substr(7);
  } else if (auth.empty() && !session_id.empty()) {
    // The console's session cookie (sessions.h): it stands for the token signed in with, and a
    // change made with it must carry the session's CSRF token, which another site cannot read.
    const Session* s = c.sessions->find(session_id, now);
    if (!s) {
      reply_error(x, 401, "unauthorized", "the session has expired or was signed out: sign in again");
      return std::nullopt;
    }
    if (r.method != "GET" && r.method != "HEAD" && !same_secret(r.header("x-csrf-token"), s->csrf)) {
      reply_error(x, 403, "forbidden", "a change made with the session cookie needs the session's `X-CSRF-Token` header");
      return std::nullopt;
    }
    bearer = s->bearer;
  } else {
    reply_error(x, 401, "unauthorized", "an `Authorization: Bearer <token>` header is needed");
    return std::nullopt;
  }
  auto found = authenticate(c.reads->connection(), bearer, now, c.principals);
  if (!read_ok(x, found)) return std::nullopt;
  if (!found->who) {
    reply_error(x, 401, "unauthorized", found->refused);
    return std::nullopt;
  }
  Principal& who = *found->who;
  if (audit) audit->by(who);
  const bool agent = who.kind == Principal::Kind::Agent;
  if (policy == AuthPolicy::User && agent) {
    reply_error(x, 403, "forbidden", "agent tokens reach only the agent endpoints");
    return std::nullopt;
  }
  if (policy == AuthPolicy::Agent && !agent) {
    reply_error(x, 403, "forbidden", "this endpoint is for agents (use an agent token)");
    return std::nullopt;
  }
  if (c.token_uses && who.kind == Principal::Kind::User) c.token_uses->used(who.token_id, now);
  return std::move(who);
}

// Whether `who` holds what `row` needs; answers 403 naming the permission when not.
bool permitted(const Route& row, const Principal& who, http::Exchange& x) {
  if (row.auth != AuthPolicy::User || *row.permission == '\0') return true;
  const std::optional<Permission> needed = parse_permission(row.permission);
  if (needed && who.can(*needed)) return true;
  reply_error(x, 403, "forbidden", fmt::format("this needs the permission `{}`", row.permission));
  return false;
}

// How the caller of `row` authenticates: as the row says, except /metrics, which an operator may
// open to anyone (`--metrics-public`) for a Prometheus that holds no token.
AuthPolicy policy_of(const Context& c, const Route& row) {
  if (c.metrics_public && row.handler == &metrics) return AuthPolicy::None;
  return row.auth;
}

// The resources of SPEC §5 this build does not serve yet, and what brings them: a path under one
// answers 501 saying so, not a bare 404. Each leaves this table when its routes exist.
struct PlannedResource {
  std::string_view prefix, what;
};
constexpr PlannedResource kPlanned[] = {
    {"/api/v1/nodes", "several service nodes"},
};

const PlannedResource* planned(std::string_view path) {
  for (const PlannedResource& p : kPlanned) {
    if (path.rfind(p.prefix, 0) != 0) continue;
    const std::string_view rest = path.substr(p.prefix.size());
    if (rest.empty() || rest.front() == '/' || p.prefix.back() == '/') return &p;
  }
  return nullptr;
}

}  // namespace

void method_not_allowed(http::Exchange& x) { reply_error(x, 405, "method_not_allowed", "this endpoint does not take that method"); }

void route(Context& c, http::Request& r, ExchangePtr x) {
  const uint64_t routed_ns = uv_hrtime();
  const RouteMatch match = match_route(r.method, r.path);
  auto observed = std::make_shared<ObservedExchange>(std::move(x), request_id(r));
  if (c.http_metrics)
    observed->observe([metrics = c.http_metrics, by = HttpMetrics::Answered{match.route, match.path_known}, method = r.method,
                       routed_ns](const ObservedExchange::Answer& a) {
      // Only an answer that reached its client counts.
      if (a.delivered) metrics->observe(by, method, a.status, static_cast<double>(uv_hrtime() - routed_ns) / 1e9);
    });
  const std::shared_ptr<std::string> actor = log_request(*observed, match, r, routed_ns);
  if (match.route) audit_request(c, *observed, *match.route, match.params, r);
  AuditDraft* audit = observed->audit.get();
  x = std::move(observed);
  if (!match.path_known) {
    if (const PlannedResource* p = planned(r.path))
      return reply_error(*x, 501, "not_implemented", fmt::format("{}: not available in this build yet", p->what));
    // Outside the API, a GET is the console's: one of its files, or its page for a URL of its own.
    if ((r.method == "GET" || r.method == "HEAD") && console_path(r.path)) return reply_console(r, *x);
    const bool api = r.path == "/api/v1" || r.path.rfind("/api/v1/", 0) == 0;
    return reply_error(*x, 404, "not_found", api ? "no such endpoint" : "no such endpoint (the API is under /api/v1)");
  }
  if (!match.route) return method_not_allowed(*x);
  const Route& row = *match.route;
  const AuthPolicy policy = policy_of(c, row);
  const std::optional<Principal> who = caller(c, policy, r, *x, audit);
  if (!who) return;
  if (actor) *actor = who->actor();
  if (policy == AuthPolicy::User && !permitted(row, *who, *x)) return;
  if (r.body.size() > row.body_limit)
    return reply_error(*x, 413, "payload_too_large", fmt::format("the request body exceeds {} bytes", row.body_limit));
  // While the engine recovers, the instances it has not yet read are not in memory: whatever
  // would change something (every method but GET) waits, answered 503 to come back in a moment.
  // Reads answer from the store; agents treat the 503 as a service away and try again.
  if (c.engine->recovering() && r.method != "GET" && r.method != "HEAD") return reply_recovering(*x);
  row.handler(c, *who, r, std::move(x), match.params);
}

}  // namespace wf::service

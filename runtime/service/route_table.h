// The one table of the service's endpoints (SPEC §5): a row per method and path, with its
// handler, the permission it needs (SPEC §4.7), how its caller authenticates, the largest body it
// takes and a summary. The router (router.cpp) dispatches with it and the OpenAPI document
// (openapi.cpp) is generated from it, so what is served and what is described cannot disagree.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/service/api_support.h"

namespace wf::service {

// How the caller of a route proves who it is. The router checks it before the handler runs.
enum class AuthPolicy {
  None,        // anyone: health, the OpenAPI document, the console's page
  Enrollment,  // the organization's enrollment secret, in the body (agents/register checks it)
  Agent,       // an agent's token; a user's token is refused with 403
  User,        // a user's token, whose roles must grant the route's permission; an agent's token is refused with 403
  SignedHook,  // the hook's own check (`/hooks/{key}`: a signature over the body with one of its
               // secrets, or its bearer token), made by its handler, which knows the hook
};

// "none", "enrollment", "agent", "user", "signed_hook": the OpenAPI document's `x-wf-auth`.
std::string_view auth_policy_name(AuthPolicy policy);

// The values of a route's `{name}` segments. They view the request's path, so they are valid
// while the request is (during the handler's call).
class PathParams {
 public:
  void add(std::string_view name, std::string_view value) { values_.emplace_back(name, value); }
  // The value of `{name}`; "" when the route has no such segment.
  std::string_view operator[](std::string_view name) const;

 private:
  std::vector<std::pair<std::string_view, std::string_view>> values_;
};

// Every endpoint's handler. `who` was authenticated by the route's policy and always carries its
// organization; `r` is valid during the call only (copy what a later answer needs); `x` answers
// now or later; `p` holds the path's `{name}` segments.
// routes.h declares them with this type: `HandlerFunction health;`.
using HandlerFunction = void(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p);
using Handler = HandlerFunction*;

struct Route {
  const char* method;  // "GET", "POST", "PATCH", "DELETE"; HEAD is answered wherever GET is
  // Under /api/v1 when `api` ("/instances/{id}/cancel", as the OpenAPI document writes it), the
  // whole path otherwise ("/metrics"). A `{name}` segment matches any one segment; a literal
  // segment beats it (`/definitions/import` before `/definitions/{id}`).
  const char* path;
  Handler handler;
  // The permission of SPEC §4.7 the caller needs ("workflows.view"), "agent" for the agents'
  // own calls, "" for none (on a `User` route: any user, as `GET /users/me`). The router refuses
  // a user without it (403).
  const char* permission;
  AuthPolicy auth;
  size_t body_limit;  // bytes; a larger body is answered 413
  bool json_body;     // takes a JSON object (the document's requestBody)
  bool api;           // under /api/v1 and in the OpenAPI document; false: a path of its own
  const char* summary;
};

// Every route, in the order of the OpenAPI document.
std::span<const Route> routes();
// The largest body any route takes: the HTTP server refuses a longer one before reading it.
size_t largest_body_limit();
// The full path of a route ("/api/v1/instances/{id}/cancel", "/metrics").
std::string full_path(const Route& route);

// What the table says of a request's method and path.
struct RouteMatch {
  const Route* route = nullptr;  // the route to call; null when there is none
  bool path_known = false;       // some route has this path (with another method, when route is null)
  PathParams params;
};

// Matches `path` (percent-decoded, without the query; empty segments are ignored) against the
// table. Of the patterns the path fits, the most literal wins: at the first segment where one
// pattern has a literal and another a `{name}`, the literal one. Then the route of `method` (or
// GET's, for HEAD) among those of that pattern.
RouteMatch match_route(std::string_view method, std::string_view path);

}  // namespace wf::service

// The console's sign-in (SPEC §4.12): `POST /session` with a token opens a session in an HttpOnly
// cookie and answers its CSRF token, `GET /session` says who is signed in (and the CSRF token
// again, for a page loaded anew), `DELETE /session` signs out.
#include <fmt/format.h>

#include "effects/clock.h"
#include "runtime/service/auth.h"
#include "runtime/service/routes.h"
#include "runtime/service/sessions.h"

namespace wf::service {

namespace {

// The cookie's attributes: never readable by the page's scripts, never sent by another site's
// request, and over TLS only when the browser reached the service over TLS (through a proxy
// that says so: the service itself speaks plain HTTP).
std::string session_cookie(const http::Request& r, std::string_view value, int64_t max_age_s) {
  const bool tls = http::equals_ignoring_case(r.header("x-forwarded-proto"), "https");
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie, value, max_age_s,
                     tls ? "; Secure" : "");
}

nlohmann::json session_json(const Principal& who, const Session& s) {
  return {{"user", who.user},
          {"roles", who.roles},
          {"permissions", who.permissions.names()},
          {"csrf_token", s.csrf},
          {"expires_at", format_time(s.expires_at)}};
}

void reply_with_cookie(http::Exchange& x, int status, const nlohmann::json& body, std::string cookie) {
  http::Response answer = http::Response::json(status, body.dump());
  answer.headers.emplace_back("Set-Cookie", std::move(cookie));
  answer.headers.emplace_back("Cache-Control", "no-store");
  x.respond(std::move(answer));
}

}  // namespace

void open_session(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  if (!c.sessions) return reply_error(*x, 404, "not_found", "this service has no console sessions");
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  const auto token = f.string("token", true);
  const auto user = f.string("user");
  if (!f.ok(*x)) return;
  const int64_t now = effects::wall_clock_ms();
  auto found = authenticate(c.reads->connection(), *token, now, c.principals);
  if (!read_ok(*x, found)) return;
  // The same answer for every refusal but an agent's: which part was wrong is not said.
  if (!found->who) return reply_error(*x, 401, "unauthorized", found->refused);
  if (found->who->kind != Principal::Kind::User)
    return reply_error(*x, 403, "forbidden", "only a user's token signs in to the console");
  if (user && !user->empty() && *user != found->who->user)
    return reply_error(*x, 401, "unauthorized", "the token is not that user's");
  std::string id;
  const Session& s = c.sessions->open(*token, now, id);
  reply_with_cookie(*x, 201, session_json(*found->who, s), session_cookie(r, id, c.sessions->lifetime_ms() / 1000));
}

void get_session(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const Session* s = c.sessions ? c.sessions->find(cookie_value(r.header("cookie"), kSessionCookie), effects::wall_clock_ms()) : nullptr;
  if (!s) return reply_error(*x, 404, "not_found", "no session: the request was authenticated by its bearer token");
  reply_json(*x, 200, session_json(who, *s));
}

void close_session(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const std::string_view id = cookie_value(r.header("cookie"), kSessionCookie);
  if (!c.sessions || !c.sessions->find(id, effects::wall_clock_ms()))
    return reply_error(*x, 404, "not_found", "no session: the request was authenticated by its bearer token");
  c.sessions->close(id);
  reply_with_cookie(*x, 200, {{"signed_out", true}}, session_cookie(r, "", 0));
}

}  // namespace wf::service

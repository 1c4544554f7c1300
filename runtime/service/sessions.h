// The web console's sessions (SPEC §4.12): signing in with a token opens one, named by a random id
// the browser keeps in an HttpOnly cookie, with a CSRF token every mutation it makes must carry.
// They are kept in memory: a restart of the service signs every browser out, and nothing of a
// session is in the store (its token is, and is checked again on every request).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wf::service {

// The cookie that carries a session's id.
inline constexpr std::string_view kSessionCookie = "wf_session";
// How long a session lasts from its sign-in, unless `wf serve --session-lifetime` says otherwise.
inline constexpr int64_t kDefaultSessionLifetimeMs = 12LL * 60 * 60 * 1000;

struct Session {
  std::string bearer;  // the token signed in with: each request is authenticated with it again
  std::string csrf;    // the value of X-CSRF-Token on every request but GET and HEAD
  int64_t expires_at = 0;  // ms
};

class Sessions {
 public:
  explicit Sessions(int64_t lifetime_ms) : lifetime_ms_(lifetime_ms) {}
  // A new session for `bearer`, from `now`; its id (the cookie's value) in `id`.
  const Session& open(std::string bearer, int64_t now, std::string& id);
  // The live session of `id`, null when there is none or it has expired (then it is forgotten).
  const Session* find(std::string_view id, int64_t now);
  void close(std::string_view id);
  int64_t lifetime_ms() const { return lifetime_ms_; }

 private:
  int64_t lifetime_ms_;
  // By the hash of the id, so that a lookup compares no secret byte by byte.
  std::unordered_map<std::string, Session> by_id_hash_;
};

// The value of cookie `name` in a Cookie header ("a=1; wf_session=..."), "" when absent.
std::string_view cookie_value(std::string_view header, std::string_view name);

}  // namespace wf::service

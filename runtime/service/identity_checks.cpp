// The checks of the identity endpoints (see identity_checks.h).
#include "runtime/service/identity_checks.h"

#include <algorithm>

#include <fmt/format.h>

#include "runtime/service/auth.h"
#include "runtime/service/permissions.h"

namespace wf::service {

namespace {

void missing(http::Exchange& x, NamedIn in, std::string_view what, std::string_view name) {
  if (in == NamedIn::Path) reply_error(x, 404, "not_found", fmt::format("no {} `{}`", what, name));
  else reply_error(x, 400, "bad_request", fmt::format("no {} `{}` in this organization", what, name));
}

}  // namespace

std::optional<store::UserRow> existing_user(Context& c, int64_t org, http::Exchange& x, std::string_view name, NamedIn in) {
  auto user = store::users::find(c.reads->connection(), org, name);
  if (!read_ok(x, user)) return std::nullopt;
  if (!*user) missing(x, in, "user", name);
  return std::move(*user);
}

bool role_exists(Context& c, int64_t org, http::Exchange& x, std::string_view name, NamedIn in) {
  if (builtin_role(name)) return true;
  auto role = store::roles::find(c.reads->connection(), org, name);
  if (!read_ok(x, role)) return false;
  if (*role) return true;
  missing(x, in, "role", name);
  return false;
}

bool keeps_an_admin(Context& c, int64_t org, http::Exchange& x, const store::UserRow& user) {
  auto admins = store::users::holding(c.reads->connection(), org, kAdminRole);
  if (!read_ok(x, admins)) return false;
  const bool others = std::any_of(admins->begin(), admins->end(), [&](const std::string& n) { return n != user.name; });
  if (others) return true;
  reply_error(x, 409, "conflict",
              fmt::format("`{}` is the organization's last enabled administrator; make another one first", user.name));
  return false;
}

engine::Done reply_after_identity_change(Context& c, ExchangePtr x, int status, std::function<nlohmann::json()> body) {
  return [principals = c.principals, reply = reply_after_commit(std::move(x), status, std::move(body))](bool ok, const std::string& error) {
    if (principals) principals->forget_all();
    reply(ok, error);
  };
}

}  // namespace wf::service

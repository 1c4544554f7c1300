// Users (SPEC §4.7): who the caller is (`GET /users/me`), and the organization's users — listed,
// added with their roles, changed and disabled. A disabled user's tokens stop working at once;
// nobody can disable themselves or the organization's last enabled administrator.
#include <fmt/format.h>

#include "runtime/service/identity_checks.h"
#include "runtime/service/routes.h"
#include "runtime/store/agents.h"
#include "runtime/store/identities.h"

namespace wf::service {

namespace {

nlohmann::json user_json(const store::UserRow& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"display_name", u.display_name},
          {"email", u.email},
          {"disabled", u.disabled},
          {"roles", u.roles},
          {"created_at", format_time(u.created_at)}};
}

}  // namespace

void get_me(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto org = store::orgs::find(c.reads->connection(), who.org_id);
  if (!read_ok(*x, org)) return;
  auto user = store::users::find(c.reads->connection(), who.org_id, who.user);
  if (!read_ok(*x, user)) return;
  auto token = store::tokens::find(c.reads->connection(), who.org_id, who.token_id);
  if (!read_ok(*x, token)) return;
  nlohmann::json out{{"user", *user ? user_json(**user) : nlohmann::json(nullptr)},
                     {"organization", {{"id", who.org_id}, {"name", *org ? (*org)->name : ""}}},
                     {"roles", who.roles},
                     {"permissions", who.permissions.names()},
                     {"administrator", who.admin()}};
  if (*token) out["token"] = {{"id", (*token)->id}, {"name", (*token)->name}, {"expires_at", (*token)->expires_at ? nlohmann::json(format_time(*(*token)->expires_at)) : nlohmann::json(nullptr)}};
  reply_json(*x, 200, out);
}

void list_users(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto users = store::users::list(c.reads->connection(), who.org_id);
  if (!read_ok(*x, users)) return;
  nlohmann::json items = nlohmann::json::array();
  for (const store::UserRow& u : *users) items.push_back(user_json(u));
  reply_items(*x, std::move(items));
}

void get_user(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  if (auto user = existing_user(c, who.org_id, *x, p["id"], NamedIn::Path)) reply_json(*x, 200, user_json(*user));
}

void create_user(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto name = f.string("name", true);
  auto display_name = f.string("display_name");
  auto email = f.string("email");
  auto roles = f.strings("roles");
  if (!f.ok(*x)) return;
  if (!valid_name(*x, "name", *name)) return;
  if (*name == "me") return reply_error(*x, 400, "bad_request", "`me` names the caller in /users/me and cannot be a user's name");
  auto taken = store::users::find(c.reads->connection(), who.org_id, *name);
  if (!read_ok(*x, taken)) return;
  if (*taken) return reply_error(*x, 409, "conflict", fmt::format("user `{}` already exists", *name));
  store::UserRow user;
  user.org_id = who.org_id;
  user.name = *name;
  user.display_name = display_name.value_or("");
  user.email = email.value_or("");
  user.created_at = effects::wall_clock_ms();
  for (const std::string& role : roles.value_or(std::vector<std::string>{}))
    if (!role_exists(c, who.org_id, *x, role, NamedIn::Body)) return;
    else user.roles.push_back(role);
  std::sort(user.roles.begin(), user.roles.end());
  user.roles.erase(std::unique(user.roles.begin(), user.roles.end()), user.roles.end());
  auto id = std::make_shared<int64_t>(0);
  c.writer->submit([user, id](store::Database& db, std::string& error) { return store::users::add(db, user, *id, error); },
                   reply_after_identity_change(c, x, 201, [user, id]() mutable {
                     user.id = *id;
                     return user_json(user);
                   }));
}

void patch_user(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto user = existing_user(c, who.org_id, *x, p["id"], NamedIn::Path);
  if (!user) return;
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto display_name = f.string("display_name");
  auto email = f.string("email");
  auto disabled = f.boolean("disabled");
  if (!f.ok(*x)) return;
  if (disabled && *disabled && !user->disabled) {
    if (user->id == who.user_id) return reply_error(*x, 409, "conflict", "you cannot disable yourself");
    if (!keeps_an_admin(c, who.org_id, *x, *user)) return;
  }
  if (display_name) user->display_name = *display_name;
  if (email) user->email = *email;
  if (disabled) user->disabled = *disabled;
  c.writer->submit([row = *user](store::Database& db, std::string& error) { return store::users::update(db, row, error); },
                   reply_after_identity_change(c, x, 200, [row = *user] { return user_json(row); }));
}

}  // namespace wf::service

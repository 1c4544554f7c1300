// Roles (SPEC §4.7): the built-in ones (permissions.h) and the organization's custom roles —
// named sets of permissions — created, replaced and deleted, and granted to or revoked from users.
// A built-in role cannot be changed; the last enabled administrator keeps `admin`.
#include <fmt/format.h>

#include "runtime/service/identity_checks.h"
#include "runtime/service/routes.h"

namespace wf::service {

namespace {

nlohmann::json role_json(std::string_view name, std::string_view description, const std::vector<std::string>& permissions,
                         bool builtin) {
  return {{"name", name}, {"description", description}, {"permissions", permissions}, {"builtin", builtin}};
}

// The role a grant or revoke names, and the user of its body; false after answering.
bool grant_request(Context& c, const Principal& who, http::Request& r, http::Exchange& x, std::string_view role,
                   store::UserRow& user) {
  auto body = body_object(r, x);
  if (!body) return false;
  Fields f(*body);
  auto name = f.string("user", true);
  if (!f.ok(x) || !role_exists(c, who.org_id, x, role, NamedIn::Path)) return false;
  auto found = existing_user(c, who.org_id, x, *name, NamedIn::Body);
  if (!found) return false;
  user = std::move(*found);
  return true;
}

}  // namespace

void list_roles(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto custom = store::roles::list(c.reads->connection(), who.org_id);
  if (!read_ok(*x, custom)) return;
  nlohmann::json items = nlohmann::json::array();
  for (const BuiltinRole& b : builtin_roles()) items.push_back(role_json(b.name, b.description, b.permissions.names(), true));
  for (const store::RoleRow& role : *custom) items.push_back(role_json(role.name, role.description, permissions_from_json(role.permissions).value_or(PermissionSet()).names(), false));
  reply_items(*x, std::move(items));
}

void put_role(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto name = f.string("name", true);
  auto description = f.string("description");
  auto permissions = f.strings("permissions");
  if (!f.ok(*x)) return;
  if (!valid_name(*x, "name", *name)) return;
  if (builtin_role(*name)) return reply_error(*x, 409, "conflict", fmt::format("`{}` is a built-in role and cannot be changed", *name));
  if (!permissions) return reply_error(*x, 400, "bad_request", "`permissions` (a list of permission names) is required");
  PermissionSet set;
  for (const std::string& n : *permissions) {
    auto permission = parse_permission(n);
    if (!permission) {
      std::vector<std::string> known;
      for (const PermissionInfo& info : wf::service::permissions()) known.emplace_back(info.name);
      return reply_error(*x, 400, "bad_request", fmt::format("unknown permission `{}` (one of {})", n, fmt::join(known, ", ")));
    }
    set.add(*permission);
  }
  store::RoleRow role;
  role.org_id = who.org_id;
  role.name = *name;
  role.description = description.value_or("");
  role.permissions = nlohmann::json(set.names()).dump();
  role.created_at = effects::wall_clock_ms();
  c.writer->submit([role](store::Database& db, std::string& error) { return store::roles::put(db, role, error); },
                   reply_after_identity_change(c, x, 201, [role, names = set.names()] { return role_json(role.name, role.description, names, false); }));
}

void delete_role(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const std::string name(p["id"]);
  if (builtin_role(name)) return reply_error(*x, 409, "conflict", fmt::format("`{}` is a built-in role and cannot be deleted", name));
  auto role = store::roles::find(c.reads->connection(), who.org_id, name);
  if (!read_ok(*x, role)) return;
  if (!*role) return reply_error(*x, 404, "not_found", fmt::format("no role `{}`", name));
  c.writer->submit([org = who.org_id, name](store::Database& db, std::string& error) { return store::roles::remove(db, org, name, error); },
                   reply_after_identity_change(c, x, 200, [name] { return nlohmann::json{{"name", name}, {"deleted", true}}; }));
}

void grant_role(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const std::string role(p["id"]);
  store::UserRow user;
  if (!grant_request(c, who, r, *x, role, user)) return;
  const int64_t now = effects::wall_clock_ms();
  c.writer->submit([id = user.id, role, now](store::Database& db, std::string& error) { return store::roles::grant(db, id, role, now, error); },
                   reply_after_identity_change(c, x, 200, [name = user.name, role] { return nlohmann::json{{"user", name}, {"role", role}, {"granted", true}}; }));
}

void revoke_role(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const std::string role(p["id"]);
  store::UserRow user;
  if (!grant_request(c, who, r, *x, role, user)) return;
  if (role == kAdminRole && !user.disabled && !keeps_an_admin(c, who.org_id, *x, user)) return;
  c.writer->submit([id = user.id, role](store::Database& db, std::string& error) { return store::roles::revoke(db, id, role, error); },
                   reply_after_identity_change(c, x, 200, [name = user.name, role] { return nlohmann::json{{"user", name}, {"role", role}, {"granted", false}}; }));
}

}  // namespace wf::service

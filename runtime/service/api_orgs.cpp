// Organizations (SPEC §4.7): each scopes everything of its own. Administrators of the first
// organization (the one the first start made) create more; a new organization gets its own
// enrollment secret and a first administrator with a token, both shown once in the answer.
#include <fmt/format.h>

#include "runtime/service/auth.h"
#include "runtime/service/identity_checks.h"
#include "runtime/service/routes.h"
#include "runtime/store/agents.h"

namespace wf::service {

namespace {

nlohmann::json org_json(const store::OrgRow& o) { return {{"id", o.id}, {"name", o.name}}; }

// Whether `who` administers the service as a whole: holds settings.manage in the first organization.
bool service_administrator(const Context& c, const Principal& who) {
  return who.org_id == c.org_id && who.can(Permission::SettingsManage);
}

}  // namespace

void list_orgs(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto orgs = store::orgs::all(c.reads->connection());
  if (!read_ok(*x, orgs)) return;
  nlohmann::json items = nlohmann::json::array();
  const bool all = service_administrator(c, who);
  for (const store::OrgRow& o : *orgs)
    if (all || o.id == who.org_id) items.push_back(org_json(o));
  reply_items(*x, std::move(items));
}

void create_org(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  if (!service_administrator(c, who))
    return reply_error(*x, 403, "forbidden", "only administrators of the first organization create organizations");
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto name = f.string("name", true);
  auto admin = f.string("admin");
  if (!f.ok(*x)) return;
  if (!valid_name(*x, "name", *name)) return;
  const std::string admin_name = admin.value_or(who.user);
  if (!valid_name(*x, "admin", admin_name)) return;
  auto taken = store::orgs::named(c.reads->connection(), *name);
  if (!read_ok(*x, taken)) return;
  if (*taken) return reply_error(*x, 409, "conflict", fmt::format("organization `{}` already exists", *name));

  struct Made {
    store::OrgRow org;
    int64_t token_id = 0;
  };
  auto made = std::make_shared<Made>();
  made->org.name = *name;
  made->org.enrollment_secret = new_token("wfe_");
  const std::string secret = new_secret();
  const int64_t now = effects::wall_clock_ms();
  c.writer->submit(
      [made, admin_name, secret, now](store::Database& db, std::string& error) {
        auto id = store::orgs::next_id(db);
        if (!id.ok()) return error = id.error(), false;
        made->org.id = *id;
        if (!store::orgs::create(db, made->org, now, error)) return false;
        return add_first_administrator(db, made->org.id, admin_name, "first administrator", secret, now, made->token_id, error);
      },
      reply_after_identity_change(c, x, 201, [made, admin_name, secret] {
        nlohmann::json out = org_json(made->org);
        out["enrollment_secret"] = made->org.enrollment_secret;
        out["admin"] = admin_name;
        out["token"] = user_token(made->token_id, secret);
        return out;
      }));
}

}  // namespace wf::service

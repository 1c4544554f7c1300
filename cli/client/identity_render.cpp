// Text output of the identity commands (see identity_render.h).
#include "cli/client/identity_render.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "cli/client/text_render.h"

namespace wf::cli {

namespace {

std::string id_text(const Json& object, std::string_view name) {
  if (auto id = int_field(object, name)) return std::to_string(*id);
  return or_dash(text_field(object, name));
}

// "alice (Alice Smith)": the name, with the display name when it says more.
std::string person(const Json* user) {
  if (user == nullptr) return "-";
  const std::string name = text_field(*user, "name");
  const std::string display = text_field(*user, "display_name");
  if (display.empty() || display == name) return or_dash(name);
  return fmt::format("{} ({})", or_dash(name), one_line(display));
}

bool flag(const Json& object, std::string_view name) {
  const Json* value = field(object, name);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

}  // namespace

std::string name_list(const Json* list) {
  std::vector<std::string> names;
  if (list != nullptr && list->is_array())
    for (const Json& n : *list)
      if (n.is_string()) names.push_back(one_line(n.get<std::string>()));
  return names.empty() ? "-" : fmt::format("{}", fmt::join(names, ", "));
}

std::string render_whoami(const Json& me, const std::string& server) {
  std::string token = "-";
  if (const Json* t = field(me, "token"); t != nullptr && t->is_object()) {
    const std::string name = text_field(*t, "name");
    const std::string expires = text_field(*t, "expires_at");
    token = fmt::format("{}{}, {}", id_text(*t, "id"), name.empty() ? std::string() : fmt::format(" \"{}\"", one_line(name)),
                        expires.empty() ? std::string("never expires") : fmt::format("expires {}", one_line(expires)));
  }
  const Json* org = field(me, "organization");
  std::string out;
  out += fmt::format("user:          {}\n", person(field(me, "user")));
  out += fmt::format("organization:  {}\n", org != nullptr ? or_dash(text_field(*org, "name")) : std::string("-"));
  out += fmt::format("roles:         {}{}\n", name_list(field(me, "roles")), flag(me, "administrator") ? " (administrator)" : "");
  out += fmt::format("permissions:   {}\n", name_list(field(me, "permissions")));
  out += fmt::format("token:         {}\n", token);
  out += fmt::format("server:        {}\n", one_line(server));
  return out;
}

std::string render_org_table(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  if (items.is_array())
    for (const Json& item : items) rows.push_back({id_text(item, "id"), or_dash(text_field(item, "name"))});
  return render_table({"ID", "NAME"}, rows);
}

std::string render_user_table(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  if (items.is_array())
    for (const Json& item : items)
      rows.push_back({or_dash(text_field(item, "name")), or_dash(text_field(item, "display_name")),
                      or_dash(text_field(item, "email")), name_list(field(item, "roles")),
                      flag(item, "disabled") ? "disabled" : "enabled"});
  return render_table({"NAME", "DISPLAY NAME", "EMAIL", "ROLES", "STATUS"}, rows);
}

std::string render_role_table(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  if (items.is_array())
    for (const Json& item : items)
      rows.push_back({or_dash(text_field(item, "name")), flag(item, "builtin") ? "built-in" : "custom",
                      name_list(field(item, "permissions")), or_dash(text_field(item, "description"))});
  return render_table({"NAME", "KIND", "PERMISSIONS", "DESCRIPTION"}, rows);
}

std::string render_token_table(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  if (items.is_array())
    for (const Json& item : items) {
      const std::string revoked = text_field(item, "revoked_at");
      rows.push_back({id_text(item, "id"), or_dash(text_field(item, "user")), or_dash(text_field(item, "name")),
                      or_dash(text_field(item, "created_at")), or_dash(text_field(item, "expires_at")),
                      or_dash(text_field(item, "last_used_at")), revoked.empty() ? std::string("active") : fmt::format("revoked {}", one_line(revoked))});
    }
  return render_table({"ID", "USER", "NAME", "CREATED", "EXPIRES", "LAST USED", "STATUS"}, rows);
}

}  // namespace wf::cli

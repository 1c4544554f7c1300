// The permission matrix (see permission_matrix.h).
#include "runtime/service/permission_matrix.h"

#include <fmt/format.h>

#include "runtime/service/permissions.h"
#include "runtime/service/route_table.h"

namespace wf::service {

std::string permission_matrix_markdown() {
  std::string out = "| endpoint | permission |";
  std::string rule = "|---|---|";
  for (const BuiltinRole& role : builtin_roles()) {
    out += fmt::format(" {} |", role.name);
    rule += ":-:|";
  }
  out += "\n" + rule + "\n";
  for (const Route& route : routes()) {
    const std::string permission = route.permission;
    std::string needs;
    switch (route.auth) {
      case AuthPolicy::None: needs = "none (no token)"; break;
      case AuthPolicy::Enrollment: needs = "the enrollment secret"; break;
      case AuthPolicy::SignedHook: needs = "the hook's signature"; break;
      case AuthPolicy::Agent: needs = "an agent's token"; break;
      case AuthPolicy::User: needs = permission.empty() ? "any user" : fmt::format("`{}`", permission); break;
    }
    out += fmt::format("| `{} {}` | {} |", route.method, full_path(route), needs);
    const std::optional<Permission> p = parse_permission(permission);
    for (const BuiltinRole& role : builtin_roles()) {
      const bool holds = route.auth == AuthPolicy::User && (permission.empty() || (p && role.permissions.has(*p)));
      out += holds ? " ✓ |" : " — |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace wf::service

// The permission and built-in role tables (see permissions.h).
#include "runtime/service/permissions.h"

#include <array>

#include <nlohmann/json.hpp>

namespace wf::service {

namespace {

constexpr PermissionInfo kPermissions[] = {
#define WF_PERMISSION_INFO(e, name, grants) {Permission::e, name, grants},
    WF_PERMISSIONS(WF_PERMISSION_INFO)
#undef WF_PERMISSION_INFO
};

PermissionSet of(std::initializer_list<Permission> list) {
  PermissionSet set;
  for (Permission p : list) set.add(p);
  return set;
}

bool is_view(const PermissionInfo& p) { return p.name.ends_with(".view"); }

const std::array<BuiltinRole, 3>& roles_table() {
  using enum Permission;
  static const std::array<BuiltinRole, 3> table = [] {
    PermissionSet views;
    for (const PermissionInfo& p : kPermissions)
      if (is_view(p)) views.add(p.permission);
    PermissionSet operate = views;
    // An operator who sees automation go wrong stops it: the kill switch is theirs too.
    operate.add(of({WorkflowsExecute, JobsManage, AutomationKillSwitch}));
    return std::array<BuiltinRole, 3>{{
        {"admin", "everything", PermissionSet::all()},
        {"operator", "view everything; run workflows, respond to approvals, manage jobs, pause automation", operate},
        {"viewer", "view everything", views},
    }};
  }();
  return table;
}

}  // namespace

PermissionSet PermissionSet::all() {
  PermissionSet set;
  for (const PermissionInfo& p : kPermissions) set.add(p.permission);
  return set;
}

std::vector<std::string> PermissionSet::names() const {
  std::vector<std::string> out;
  for (const PermissionInfo& p : kPermissions)
    if (has(p.permission)) out.emplace_back(p.name);
  return out;
}

std::span<const PermissionInfo> permissions() { return kPermissions; }

std::string_view name(Permission p) { return kPermissions[static_cast<size_t>(p)].name; }

std::optional<Permission> parse_permission(std::string_view name) {
  for (const PermissionInfo& p : kPermissions)
    if (p.name == name) return p.permission;
  return std::nullopt;
}

std::optional<PermissionSet> permissions_from_json(std::string_view list) {
  const nlohmann::json names = nlohmann::json::parse(list, nullptr, false);
  if (!names.is_array()) return std::nullopt;
  PermissionSet set;
  for (const nlohmann::json& n : names)
    if (n.is_string())
      if (auto p = parse_permission(n.get<std::string>())) set.add(*p);
  return set;
}

std::span<const BuiltinRole> builtin_roles() { return roles_table(); }

const BuiltinRole* builtin_role(std::string_view name) {
  for (const BuiltinRole& r : roles_table())
    if (r.name == name) return &r;
  return nullptr;
}

}  // namespace wf::service

// The permissions of SPEC §4.7 and the built-in roles that hold them: one table each. A caller's
// permissions in its organization are a PermissionSet, the union of its roles'; the route table
// names the one each endpoint needs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wf::service {

// X(enumerator, name, what it grants)
#define WF_PERMISSIONS(X)                                                                                  \
  X(WorkflowsView, "workflows.view", "view definitions, instances and approvals; export definitions")      \
  X(WorkflowsCreate, "workflows.create", "create and import definitions")                                  \
  X(WorkflowsEdit, "workflows.edit", "edit and publish definitions")                                      \
  X(WorkflowsDelete, "workflows.delete", "delete definitions")                                            \
  X(WorkflowsExecute, "workflows.execute",                                                                \
    "start, cancel, pause, resume, retry and signal instances; respond to approvals; simulate")            \
  X(JobsView, "jobs.view", "view jobs, hosts, groups and agents")                                          \
  X(JobsManage, "jobs.manage", "create, cancel, retry and remove jobs; tag hosts; edit groups")          \
  X(ScriptsView, "scripts.view", "view the script library and its executions")                            \
  X(ScriptsManage, "scripts.manage", "execute scripts of the library")                                    \
  X(PamVaultsView, "pam_vaults.view", "view vault identities (never their secrets)")                      \
  X(PamVaultsManage, "pam_vaults.manage", "create, replace and delete vault identities")                 \
  X(AutomationView, "automation.view", "view schedules, hooks and the kill switch")                       \
  X(AutomationManage, "automation.manage", "create, change and delete schedules and hooks")              \
  X(AutomationKillSwitch, "automation.kill_switch", "pause and resume the organization's automation")    \
  X(SettingsView, "settings.view", "see the audit log")                                                   \
  X(SettingsManage, "settings.manage",                                                                    \
    "users, roles, tokens, agents' enrollment; create organizations (in the first)")

enum class Permission : uint8_t {
#define WF_PERMISSION_ENUM(e, name, grants) e,
  WF_PERMISSIONS(WF_PERMISSION_ENUM)
#undef WF_PERMISSION_ENUM
};

// A set of permissions, one bit each.
class PermissionSet {
 public:
  constexpr PermissionSet() = default;
  static PermissionSet all();
  bool has(Permission p) const { return (bits_ >> static_cast<unsigned>(p)) & 1u; }
  void add(Permission p) { bits_ |= 1u << static_cast<unsigned>(p); }
  void add(PermissionSet other) { bits_ |= other.bits_; }
  bool empty() const { return bits_ == 0; }
  // The names, in the table's order.
  std::vector<std::string> names() const;
  bool operator==(const PermissionSet&) const = default;

 private:
  uint32_t bits_ = 0;
};

struct PermissionInfo {
  Permission permission;
  std::string_view name, grants;
};
// Every permission, in the table's order.
std::span<const PermissionInfo> permissions();
std::string_view name(Permission p);
std::optional<Permission> parse_permission(std::string_view name);
// The permissions a JSON list of their names holds (a custom role's, as stored); nullopt when the
// text is not such a list. A name the table does not know is skipped.
std::optional<PermissionSet> permissions_from_json(std::string_view list);

// The built-in roles: every organization has them, and they cannot be changed or deleted.
struct BuiltinRole {
  std::string_view name, description;
  PermissionSet permissions;
};
std::span<const BuiltinRole> builtin_roles();
const BuiltinRole* builtin_role(std::string_view name);
// The role whose holders are the organization's administrators (they may respond to any approval).
inline constexpr std::string_view kAdminRole = "admin";

}  // namespace wf::service

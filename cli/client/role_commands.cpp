// `wf role ls|create|delete|grant|revoke` (SPEC §4.7): the built-in and custom roles with their
// permissions, custom roles made and deleted, and roles granted to and revoked from users.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/client/commands.h"
#include "cli/client/identity_render.h"
#include "cli/client/request_values.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct CreateRoleOptions {
  ClientOptions client;
  std::string name, description;
  std::vector<std::string> permissions;
};

struct DeleteRoleOptions {
  ClientOptions client;
  std::string name;
};

struct GrantOptions {
  ClientOptions client;
  std::string role, user;
};

void list_roles(const ClientOptions& o) {
  ServiceConnection api(o);
  const Json answer = api.get("/roles");
  const Json* items = &list_items(answer, "roles");
  if (o.json()) return print_json(*items);
  fmt::print("{}", render_role_table(*items));
}

void create_role(const CreateRoleOptions& o) {
  Json permissions = Json::array();
  for (const std::string& list : o.permissions)
    for (const std::string& permission : split_names(list)) permissions.push_back(permission);
  if (permissions.empty()) fail(kExitUsage, "give the role's permissions: --permission workflows.view ...");
  Json body = {{"name", o.name}, {"permissions", permissions}};
  if (!o.description.empty()) body["description"] = o.description;
  ServiceConnection api(o.client);
  const Json role = api.post("/roles", body);
  if (o.client.json()) return print_json(role);
  fmt::print("role {}: {}\n", one_line(text_field(role, "name")), name_list(field(role, "permissions")));
}

void delete_role(const DeleteRoleOptions& o) {
  ServiceConnection api(o.client);
  const Json answer = api.remove("/roles/" + client::url_encode(o.name));
  if (o.client.json()) return print_json(answer);
  fmt::print("role {} deleted\n", one_line(o.name));
}

void change_grant(const GrantOptions& o, bool grant) {
  const Json body = {{"user", o.user}};
  ServiceConnection api(o.client);
  const Json answer = api.post(fmt::format("/roles/{}/{}", client::url_encode(o.role), grant ? "grant" : "revoke"), body);
  if (o.client.json()) return print_json(answer);
  fmt::print("role {} {} {}\n", one_line(o.role), grant ? "granted to" : "revoked from", one_line(o.user));
}

}  // namespace

void register_role_commands(CLI::App& app) {
  CLI::App* role = app.add_subcommand("role", "Roles: wf role ls|create NAME --permission P...|delete NAME|grant ROLE USER|revoke ROLE USER");
  role->require_subcommand(1);

  auto list_options = std::make_shared<ClientOptions>();
  CLI::App* list_command = role->add_subcommand("ls", "List the built-in and custom roles with their permissions");
  add_client_options(list_command, *list_options);
  list_command->callback([list_options] { list_roles(*list_options); });

  auto create_options = std::make_shared<CreateRoleOptions>();
  CLI::App* create_command = role->add_subcommand("create", "Create (or replace) a custom role");
  create_command->add_option("name", create_options->name, "The role's name")->required();
  create_command->add_option("--permission", create_options->permissions,
                             "A permission the role grants (repeatable), such as workflows.view")->required();
  create_command->add_option("--description", create_options->description, "What the role is for");
  add_client_options(create_command, create_options->client);
  create_command->callback([create_options] { create_role(*create_options); });

  auto delete_options = std::make_shared<DeleteRoleOptions>();
  CLI::App* delete_command = role->add_subcommand("delete", "Delete a custom role and its grants");
  delete_command->add_option("name", delete_options->name, "The role's name")->required();
  add_client_options(delete_command, delete_options->client);
  delete_command->callback([delete_options] { delete_role(*delete_options); });

  for (const bool grant : {true, false}) {
    auto options = std::make_shared<GrantOptions>();
    CLI::App* command = role->add_subcommand(grant ? "grant" : "revoke", grant ? "Grant a role to a user" : "Revoke a role from a user");
    command->add_option("role", options->role, "The role's name")->required();
    command->add_option("user", options->user, "The user's name")->required();
    add_client_options(command, options->client);
    command->callback([options, grant] { change_grant(*options, grant); });
  }
}

}  // namespace wf::cli

// `wf user ls|add|disable|enable` (SPEC §4.7): the organization's users, a new one with its roles,
// and turning one off (its tokens stop working at once) and on again.
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

struct AddUserOptions {
  ClientOptions client;
  std::string name, display_name, email;
  std::vector<std::string> roles;
};

struct UserOptions {
  ClientOptions client;
  std::string name;
};

void list_users(const ClientOptions& o) {
  ServiceConnection api(o);
  const Json answer = api.get("/users");
  const Json* items = &list_items(answer, "users");
  if (o.json()) return print_json(*items);
  fmt::print("{}", render_user_table(*items));
}

void add_user(const AddUserOptions& o) {
  Json body = {{"name", o.name}};
  if (!o.display_name.empty()) body["display_name"] = o.display_name;
  if (!o.email.empty()) body["email"] = o.email;
  // --role a --role b and --role a,b alike.
  Json roles = Json::array();
  for (const std::string& list : o.roles)
    for (const std::string& role : split_names(list)) roles.push_back(role);
  body["roles"] = roles;
  ServiceConnection api(o.client);
  const Json user = api.post("/users", body);
  if (o.client.json()) return print_json(user);
  fmt::print("user {} added, roles: {}\n", one_line(text_field(user, "name")), name_list(field(user, "roles")));
}

void set_disabled(const UserOptions& o, bool disabled) {
  const Json body = {{"disabled", disabled}};
  ServiceConnection api(o.client);
  const Json user = api.patch("/users/" + client::url_encode(o.name), body);
  if (o.client.json()) return print_json(user);
  fmt::print("user {} {}\n", one_line(text_field(user, "name")), disabled ? "disabled: its tokens no longer work" : "enabled");
}

}  // namespace

void register_user_commands(CLI::App& app) {
  CLI::App* user = app.add_subcommand("user", "Users: wf user ls|add NAME|disable NAME|enable NAME");
  user->require_subcommand(1);

  auto list_options = std::make_shared<ClientOptions>();
  CLI::App* list_command = user->add_subcommand("ls", "List the organization's users with their roles");
  add_client_options(list_command, *list_options);
  list_command->callback([list_options] { list_users(*list_options); });

  auto add_options = std::make_shared<AddUserOptions>();
  CLI::App* add_command = user->add_subcommand("add", "Add a user with its roles (none: it may do nothing)");
  add_command->add_option("name", add_options->name, "The user's name")->required();
  add_command->add_option("--display-name", add_options->display_name, "The name shown for the user");
  add_command->add_option("--email", add_options->email, "The user's email address");
  add_command->add_option("--role", add_options->roles, "A role to grant (repeatable): admin, operator, viewer or a custom role");
  add_client_options(add_command, add_options->client);
  add_command->callback([add_options] { add_user(*add_options); });

  for (const bool disabled : {true, false}) {
    auto options = std::make_shared<UserOptions>();
    CLI::App* command = user->add_subcommand(disabled ? "disable" : "enable",
                                             disabled ? "Disable a user: its tokens stop working at once" : "Enable a disabled user again");
    command->add_option("name", options->name, "The user's name")->required();
    add_client_options(command, options->client);
    command->callback([options, disabled] { set_disabled(*options, disabled); });
  }
}

}  // namespace wf::cli

// `wf org ls` and `wf org create NAME [--admin USER]` (SPEC §4.7): the organizations the caller
// sees, and a new one with its enrollment secret and its first administrator's token, which the
// service shows only in this answer.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/client/commands.h"
#include "cli/client/identity_render.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"

namespace wf::cli {

namespace {

struct CreateOrgOptions {
  ClientOptions client;
  std::string name, admin;
};

void list_orgs(const ClientOptions& o) {
  ServiceConnection api(o);
  const Json answer = api.get("/orgs");
  const Json* items = &list_items(answer, "organizations");
  if (o.json()) return print_json(*items);
  fmt::print("{}", render_org_table(*items));
}

void create_org(const CreateOrgOptions& o) {
  Json body = {{"name", o.name}};
  if (!o.admin.empty()) body["admin"] = o.admin;
  ServiceConnection api(o.client);
  const Json org = api.post("/orgs", body);
  if (o.client.json()) return print_json(org);
  const auto id = int_field(org, "id");
  fmt::print("organization:       {} (id {})\n", one_line(text_field(org, "name")), id ? std::to_string(*id) : "?");
  fmt::print("enrollment secret:  {}\n", one_line(text_field(org, "enrollment_secret")));
  fmt::print("administrator:      {}\n", one_line(text_field(org, "admin")));
  fmt::print("its token:          {}\n", one_line(text_field(org, "token")));
  fmt::print("The enrollment secret and the token are shown only this once: store them now.\n");
}

}  // namespace

void register_org_commands(CLI::App& app) {
  CLI::App* org = app.add_subcommand("org", "Organizations: wf org ls|create NAME");
  org->require_subcommand(1);

  auto list_options = std::make_shared<ClientOptions>();
  CLI::App* list_command = org->add_subcommand("ls", "List the organizations (every one for the first organization's administrators)");
  add_client_options(list_command, *list_options);
  list_command->callback([list_options] { list_orgs(*list_options); });

  auto create_options = std::make_shared<CreateOrgOptions>();
  CLI::App* create_command = org->add_subcommand(
      "create", "Create an organization; prints its enrollment secret and its first administrator's token (shown once)");
  create_command->add_option("name", create_options->name, "The organization's name")->required();
  create_command->add_option("--admin", create_options->admin, "The first administrator's user name (default: yours)");
  add_client_options(create_command, create_options->client);
  create_command->callback([create_options] { create_org(*create_options); });
}

}  // namespace wf::cli

// `wf token create|ls|revoke` (SPEC §4.7): API tokens made for a user, listed without their
// secrets, and revoked. `create` prints the token alone on stdout, so `T=$(wf token create ...)`
// captures it; what it says about the token goes to stderr.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/client/commands.h"
#include "cli/client/identity_render.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct CreateTokenOptions {
  ClientOptions client;
  std::string user, name, expires;
};

struct ListTokensOptions {
  ClientOptions client;
  std::string user;
};

struct RevokeTokenOptions {
  ClientOptions client;
  std::string id;
};

void create_token(const CreateTokenOptions& o) {
  Json body = Json::object();
  if (!o.user.empty()) body["user"] = o.user;
  if (!o.name.empty()) body["name"] = o.name;
  if (!o.expires.empty()) body["expires"] = o.expires;
  ServiceConnection api(o.client);
  const Json answer = api.post("/tokens", body);
  if (o.client.json()) return print_json(answer);
  const std::string token = text_field(answer, "token");
  if (token.empty()) fail(kExitUsage, "the service's answer has no token");
  fmt::print("{}\n", token);
  std::fflush(stdout);
  const auto id = int_field(answer, "id");
  const std::string expires = text_field(answer, "expires_at");
  fmt::print(stderr, "token {} for {}, {}; it is shown only this once\n", id ? std::to_string(*id) : "?",
             one_line(text_field(answer, "user")),
             expires.empty() ? std::string("never expires") : fmt::format("expires {}", one_line(expires)));
}

void list_tokens(const ListTokensOptions& o) {
  ServiceConnection api(o.client);
  const Json answer = api.get(o.user.empty() ? std::string("/tokens") : "/tokens?user=" + client::url_encode(o.user));
  const Json* items = &list_items(answer, "tokens");
  if (o.client.json()) return print_json(*items);
  fmt::print("{}", render_token_table(*items));
}

void revoke_token(const RevokeTokenOptions& o) {
  const int64_t id = require_id(o.id, "token");
  ServiceConnection api(o.client);
  const Json answer = api.remove(fmt::format("/tokens/{}", id));
  if (o.client.json()) return print_json(answer);
  fmt::print("token {} revoked\n", id);
}

}  // namespace

void register_token_commands(CLI::App& app) {
  CLI::App* token = app.add_subcommand("token", "API tokens: wf token create|ls|revoke ID");
  token->require_subcommand(1);

  auto create_options = std::make_shared<CreateTokenOptions>();
  CLI::App* create_command =
      token->add_subcommand("create", "Make a token; prints it alone on stdout (shown once), the rest on stderr");
  create_command->add_option("--user", create_options->user, "The user it acts as (default: you)");
  create_command->add_option("--name", create_options->name, "What the token is for");
  create_command->add_option("--expires", create_options->expires, "It stops working after this long, like 30d (default: never)");
  add_client_options(create_command, create_options->client);
  create_command->callback([create_options] { create_token(*create_options); });

  auto list_options = std::make_shared<ListTokensOptions>();
  CLI::App* list_command = token->add_subcommand("ls", "List the tokens (never their secrets) with their last use");
  list_command->add_option("--user", list_options->user, "Only this user's tokens");
  add_client_options(list_command, list_options->client);
  list_command->callback([list_options] { list_tokens(*list_options); });

  auto revoke_options = std::make_shared<RevokeTokenOptions>();
  CLI::App* revoke_command = token->add_subcommand("revoke", "Revoke a token: it is refused from now on");
  revoke_command->add_option("id", revoke_options->id, "The token's id")->required();
  add_client_options(revoke_command, revoke_options->client);
  revoke_command->callback([revoke_options] { revoke_token(*revoke_options); });
}

}  // namespace wf::cli

// `wf vault ls|show|add|rm|rotate|sessions|revoke` (SPEC §4.7): the vault's identities with their
// checkout approval and rotation policy, rotation on demand, and the open checkout sessions. A
// secret is read from standard input, never from the command line (where `ps` would show it).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "cli/client/commands.h"
#include "cli/client/json_fields.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"

namespace wf::cli {

namespace {

struct NameOptions {
  ClientOptions client;
  std::string name;
};

struct AddOptions {
  ClientOptions client;
  std::string name, username, domain, type, quorum, approval_timeout, rotate_script_file, interpreter, rotate_host, alphabet, channel;
  std::vector<std::string> approvers;
  bool requires_approval = false, rotate_after_use = false;
  int64_t secret_length = 0;
};

std::string yes_no(const Json& object, std::string_view name) {
  const Json* v = field(object, name);
  return v && v->is_boolean() && v->get<bool>() ? "yes" : "no";
}

void list_identities(const ClientOptions& o) {
  ServiceConnection api(o);
  const Json answer = api.get("/vault/identities");
  const Json& items = list_items(answer, "identities");
  if (o.json()) return print_json(items);
  std::vector<std::vector<std::string>> rows;
  for (const Json& i : items)
    rows.push_back({one_line(text_field(i, "name")), one_line(text_field(i, "username")), one_line(text_field(i, "credential_type")),
                    yes_no(i, "requires_approval"), yes_no(i, "rotate_after_use"), or_dash(text_field(i, "rotation_status"))});
  fmt::print("{}", render_table({"NAME", "USERNAME", "TYPE", "APPROVAL", "ROTATE", "ROTATION"}, rows));
}

void show_identity(const NameOptions& o) {
  ServiceConnection api(o.client);
  const Json identity = api.get("/vault/identities/" + o.name);
  if (o.client.json()) return print_json(identity);
  fmt::print("{}", pretty(identity));
  fmt::print("\n");
}

void add_identity(const AddOptions& o) {
  // The secret: the first line of standard input.
  std::string secret;
  if (!std::getline(std::cin, secret) || secret.empty()) fail(kExitUsage, "give the secret on standard input (one line)");
  Json body = {{"name", o.name}, {"username", o.username}, {"secret", secret}, {"requires_approval", o.requires_approval},
               {"rotate_after_use", o.rotate_after_use}};
  if (!o.domain.empty()) body["domain"] = o.domain;
  if (!o.type.empty()) body["credential_type"] = o.type;
  if (!o.approvers.empty()) body["approvers"] = o.approvers;
  if (!o.quorum.empty()) body["approval_quorum"] = o.quorum;
  if (!o.approval_timeout.empty()) body["approval_timeout"] = o.approval_timeout;
  if (!o.rotate_script_file.empty()) {
    std::ifstream in(o.rotate_script_file);
    if (!in) fail(kExitUsage, fmt::format("cannot read {}", o.rotate_script_file));
    body["rotate_script"] = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (!o.interpreter.empty()) body["rotate_interpreter"] = o.interpreter;
  if (!o.rotate_host.empty()) body["rotate_host"] = o.rotate_host;
  if (o.secret_length > 0) body["secret_length"] = o.secret_length;
  if (!o.alphabet.empty()) body["secret_alphabet"] = o.alphabet;
  if (!o.channel.empty()) body["channel"] = o.channel;
  ServiceConnection api(o.client);
  const Json identity = api.post("/vault/identities", body);
  if (o.client.json()) return print_json(identity);
  fmt::print("identity {} stored (its secret is sealed and never shown)\n", one_line(text_field(identity, "name")));
}

void remove_identity(const NameOptions& o) {
  ServiceConnection api(o.client);
  api.remove("/vault/identities/" + o.name);
  if (!o.client.json()) fmt::print("identity {} removed\n", one_line(o.name));
}

void rotate_identity(const NameOptions& o) {
  ServiceConnection api(o.client);
  const Json answer = api.post("/vault/identities/" + o.name + "/rotate", Json::object());
  if (o.client.json()) return print_json(answer);
  fmt::print("rotating {}: job {} runs its rotate_script; `wf vault show {}` tells how it ended\n", one_line(o.name),
             int_or_dash(answer, "job_id"), one_line(o.name));
}

void list_sessions(const ClientOptions& o) {
  ServiceConnection api(o);
  const Json answer = api.get("/vault/sessions");
  const Json& items = list_items(answer, "sessions");
  if (o.json()) return print_json(items);
  std::vector<std::vector<std::string>> rows;
  for (const Json& s : items)
    rows.push_back({one_line(text_field(s, "session")), one_line(text_field(s, "identity")), int_or_dash(s, "instance_id"),
                    one_line(text_field(s, "opened_at")), or_dash(text_field(s, "expires_at"))});
  fmt::print("{}", render_table({"SESSION", "IDENTITY", "INSTANCE", "OPENED", "EXPIRES"}, rows));
}

void revoke_session(const NameOptions& o) {
  ServiceConnection api(o.client);
  const Json answer = api.post("/vault/sessions/" + o.name + "/revoke", Json::object());
  if (o.client.json()) return print_json(answer);
  fmt::print("session {} revoked\n", one_line(o.name));
}

}  // namespace

void register_vault_commands(CLI::App& app) {
  CLI::App* vault = app.add_subcommand("vault", "Privileged identities: wf vault ls|show|add|rm|rotate|sessions|revoke");
  vault->require_subcommand(1);

  auto list_options = std::make_shared<ClientOptions>();
  CLI::App* ls = vault->add_subcommand("ls", "List the identities (never their secrets)");
  add_client_options(ls, *list_options);
  ls->callback([list_options] { list_identities(*list_options); });

  auto show_options = std::make_shared<NameOptions>();
  CLI::App* show = vault->add_subcommand("show", "One identity: its approval and rotation policy, its rotation state");
  show->add_option("name", show_options->name, "The identity")->required();
  add_client_options(show, show_options->client);
  show->callback([show_options] { show_identity(*show_options); });

  auto add = std::make_shared<AddOptions>();
  CLI::App* add_command = vault->add_subcommand("add", "Create or replace an identity; its secret is read from standard input");
  add_command->add_option("name", add->name, "The identity's name")->required();
  add_command->add_option("--username", add->username, "The account's user name")->required();
  add_command->add_option("--domain", add->domain, "Its domain");
  add_command->add_option("--type", add->type, "Its credential_type (password, local_user, ...)");
  add_command->add_flag("--requires-approval", add->requires_approval, "A checkout waits for an approval");
  add_command->add_option("--approver", add->approvers, "user:NAME or role:NAME (repeatable; none: anyone holding pam_vaults.manage)");
  add_command->add_option("--quorum", add->quorum, "singular, one_of_many (default), all, two_of_many or majority");
  add_command->add_option("--approval-timeout", add->approval_timeout, "How long a checkout's approval waits (default 1h)");
  add_command->add_flag("--rotate-after-use", add->rotate_after_use, "Rotate the secret at each checkin");
  add_command->add_option("--rotate-script-file", add->rotate_script_file, "The rotation script (it gets the new secret in WF_NEW_SECRET)");
  add_command->add_option("--rotate-interpreter", add->interpreter, "bash (default) or python");
  add_command->add_option("--rotate-host", add->rotate_host, "The host the rotation script runs on");
  add_command->add_option("--secret-length", add->secret_length, "A new secret's length (default 24)");
  add_command->add_option("--secret-alphabet", add->alphabet, "A new secret's characters (default letters and digits)");
  add_command->add_option("--channel", add->channel, "Told when a rotation fails: slack:#c, email:ADDR, webhook:NAME, pagerduty:NAME");
  add_client_options(add_command, add->client);
  add_command->callback([add] { add_identity(*add); });

  auto rm_options = std::make_shared<NameOptions>();
  CLI::App* rm = vault->add_subcommand("rm", "Delete an identity");
  rm->add_option("name", rm_options->name, "The identity")->required();
  add_client_options(rm, rm_options->client);
  rm->callback([rm_options] { remove_identity(*rm_options); });

  auto rotate_options = std::make_shared<NameOptions>();
  CLI::App* rotate = vault->add_subcommand("rotate", "Rotate an identity's secret now (its rotate_script on its rotate_host)");
  rotate->add_option("name", rotate_options->name, "The identity")->required();
  add_client_options(rotate, rotate_options->client);
  rotate->callback([rotate_options] { rotate_identity(*rotate_options); });

  auto sessions_options = std::make_shared<ClientOptions>();
  CLI::App* sessions = vault->add_subcommand("sessions", "The open checkout sessions");
  add_client_options(sessions, *sessions_options);
  sessions->callback([sessions_options] { list_sessions(*sessions_options); });

  auto revoke_options = std::make_shared<NameOptions>();
  CLI::App* revoke = vault->add_subcommand("revoke", "Close a checkout session now; its secret is refused from then on");
  revoke->add_option("session", revoke_options->name, "The session")->required();
  add_client_options(revoke, revoke_options->client);
  revoke->callback([revoke_options] { revoke_session(*revoke_options); });
}

}  // namespace wf::cli

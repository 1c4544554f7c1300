// `wf hook create|ls|show|rotate|rm|deliveries|send` (docs/operations.md "Hooks"): inbound
// webhooks made, listed, read, their secrets rotated, deleted, their deliveries listed, and a test
// delivery signed and sent from a shell. `create` and `rotate` print the secret (or token) that
// is shown only once.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "cli/client/commands.h"
#include "cli/client/request_values.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"
#include "runtime/service/hook_signature.h"

namespace wf::cli {

namespace {

struct CreateHookOptions {
  ClientOptions client;
  std::string name, workflow, target = "start", event, instance_pointer, auth = "hmac";
  std::vector<std::string> params;  // PARAM=/json/pointer
};

struct HookOptions {
  ClientOptions client;
  std::string hook;
};

struct RotateHookOptions {
  ClientOptions client;
  std::string hook, expire_old;
};

struct SendHookOptions {
  ClientOptions client;
  std::string key, data, secret, bearer;
};

std::string hook_path(const std::string& hook) { return "/hooks/" + client::url_encode(hook); }

void create_hook(const CreateHookOptions& o) {
  Json body = {{"name", o.name}, {"target", o.target}, {"auth", o.auth}};
  if (!o.workflow.empty()) body["workflow"] = o.workflow;
  if (!o.event.empty()) body["event"] = o.event;
  if (!o.instance_pointer.empty()) body["instance_pointer"] = o.instance_pointer;
  if (!o.params.empty()) {
    Json map = Json::object();
    for (const std::string& p : o.params) {
      const size_t eq = p.find('=');
      if (eq == std::string::npos || eq == 0) fail(kExitUsage, fmt::format("--param takes PARAM=/json/pointer, not `{}`", p));
      map[p.substr(0, eq)] = p.substr(eq + 1);
    }
    body["params"] = map;
  }
  ServiceConnection api(o.client);
  const Json answer = api.post("/hooks", body);
  if (o.client.json()) return print_json(answer);
  fmt::print("hook {} ({}) created\n", one_line(text_field(answer, "name")), int_or_dash(answer, "id"));
  fmt::print("url:    {}\n", one_line(text_field(answer, "url")));
  if (!text_field(answer, "secret").empty()) fmt::print("secret: {}\n", text_field(answer, "secret"));
  if (!text_field(answer, "token").empty()) fmt::print("token:  {}\n", text_field(answer, "token"));
  std::fflush(stdout);
  fmt::print(stderr, "the url's key and the {} are shown only this once\n", text_field(answer, "token").empty() ? "secret" : "token");
}

std::string target_text(const Json& h) {
  const std::string target = text_field(h, "target");
  if (target == "event") return fmt::format("event {} → {}", text_field(h, "event"), text_field(h, "instance_pointer"));
  return fmt::format("{} {}", target, text_field(h, "workflow"));
}

void list_hooks(const ClientOptions& client) {
  ServiceConnection api(client);
  const Json answer = api.get("/hooks");
  const Json& items = list_items(answer, "hooks");
  if (client.json()) return print_json(items);
  std::vector<std::vector<std::string>> rows;
  for (const Json& h : items)
    rows.push_back({int_or_dash(h, "id"), one_line(text_field(h, "name")), one_line(target_text(h)), text_field(h, "auth"),
                    text_field(h, "created_at")});
  fmt::print("{}", render_table({"ID", "NAME", "TARGET", "AUTH", "CREATED"}, rows));
}

void show_hook(const HookOptions& o) {
  ServiceConnection api(o.client);
  const Json h = api.get(hook_path(o.hook));
  if (o.client.json()) return print_json(h);
  fmt::print("hook {} ({})\n", one_line(text_field(h, "name")), int_or_dash(h, "id"));
  fmt::print("target:  {}\n", one_line(target_text(h)));
  if (h.contains("params")) fmt::print("params:  {}\n", one_line(h["params"].dump()));
  fmt::print("auth:    {}\n", text_field(h, "auth"));
  fmt::print("created: {} by {}\n", text_field(h, "created_at"), or_dash(text_field(h, "created_by")));
  if (h.contains("secrets") && h["secrets"].is_array())
    for (const Json& s : h["secrets"])
      fmt::print("secret {}: created {}, {}\n", int_or_dash(s, "id"), text_field(s, "created_at"),
                 s.value("active", false) ? (text_field(s, "expires_at").empty() ? std::string("active")
                                                                                  : "active until " + text_field(s, "expires_at"))
                                          : std::string("expired"));
  const Json deliveries = api.get(hook_path(o.hook) + "/deliveries?limit=10");
  const Json& items = list_items(deliveries, "deliveries");
  if (items.empty()) return;
  std::vector<std::vector<std::string>> rows;
  for (const Json& d : items)
    rows.push_back({text_field(d, "received_at"), text_field(d, "outcome"), int_or_dash(d, "status"), int_or_dash(d, "instance_id"),
                    one_line(d.contains("detail") && d["detail"].is_object() ? d["detail"].value("error", "") : "")});
  fmt::print("\nlast deliveries:\n{}", render_table({"RECEIVED", "OUTCOME", "STATUS", "INSTANCE", "ERROR"}, rows));
}

void rotate_hook(const RotateHookOptions& o) {
  Json body = Json::object();
  if (!o.expire_old.empty()) {
    const auto ms = parse_duration_ms(o.expire_old);
    if (!ms) fail(kExitUsage, fmt::format("--expire-old takes a duration like 10m or 1h, not `{}`", o.expire_old));
    body["expire_old_seconds"] = *ms / 1000;
  }
  ServiceConnection api(o.client);
  const Json answer = api.post(hook_path(o.hook) + "/rotate", body);
  if (o.client.json()) return print_json(answer);
  fmt::print("{}\n", text_field(answer, "secret"));
  std::fflush(stdout);
  fmt::print(stderr, "a new secret for hook {}; it is shown only this once{}\n", o.hook,
             o.expire_old.empty() ? "; the older ones stay active" : fmt::format("; the older ones expire in {}", o.expire_old));
}

void remove_hook(const HookOptions& o) {
  ServiceConnection api(o.client);
  api.remove(hook_path(o.hook));
  if (o.client.json()) return print_json(Json{{"deleted", o.hook}});
  fmt::print("hook {} deleted (its deliveries are kept)\n", o.hook);
}

void list_deliveries(const HookOptions& o) {
  ServiceConnection api(o.client);
  const Json answer = api.get(hook_path(o.hook) + "/deliveries");
  const Json& items = list_items(answer, "deliveries");
  if (o.client.json()) return print_json(items);
  std::vector<std::vector<std::string>> rows;
  for (const Json& d : items)
    rows.push_back({int_or_dash(d, "id"), text_field(d, "received_at"), text_field(d, "outcome"), int_or_dash(d, "status"),
                    int_or_dash(d, "instance_id"),
                    one_line(d.contains("detail") && d["detail"].is_object() ? d["detail"].value("error", "") : "")});
  fmt::print("{}", render_table({"ID", "RECEIVED", "OUTCOME", "STATUS", "INSTANCE", "ERROR"}, rows));
}

// The body `--data` gives: `@FILE` (`@-` for stdin) or the text itself.
std::string data_of(const std::string& data) {
  if (data.empty() || data[0] != '@') return data;
  const std::string file = data.substr(1);
  if (file == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(kExitUsage, fmt::format("cannot read `{}`", file));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void send_hook(const SendHookOptions& o) {
  const std::string body = data_of(o.data);
  std::string secret = o.secret;
  if (secret.empty())
    if (const char* env = std::getenv("WF_HOOK_SECRET")) secret = env;
  // The service's address as every client command resolves it; the hook itself is the credential.
  const ResolvedCredentials where = resolve_credentials(o.client.server, "");
  client::HttpClient http(where.server);
  std::vector<std::string> headers;
  if (!secret.empty())
    headers.push_back("X-WF-Signature: " + service::hook_signature::sign(secret, static_cast<int64_t>(std::time(nullptr)), body));
  if (!o.bearer.empty()) headers.push_back("Authorization: Bearer " + o.bearer);
  http.set_extra_headers(std::move(headers));
  const client::HttpResult r = http.request("POST", "/hooks/" + client::url_encode(o.key), body);
  if (r.status == 0) fail(kExitUsage, r.describe());
  const Json answer = Json::parse(r.body, nullptr, false);
  if (o.client.json()) {
    print_json(Json{{"status", r.status}, {"answer", answer.is_discarded() ? Json(r.body) : answer}});
  } else {
    fmt::print("{} {}\n", r.status, answer.is_discarded() ? one_line(r.body) : answer.dump());
  }
  if (!r.ok()) throw CLI::RuntimeError(kExitUsage);
}

}  // namespace

void register_hook_commands(CLI::App& app) {
  CLI::App* hook = app.add_subcommand("hook", "Inbound webhooks and alert hooks: wf hook create|ls|show|rotate|rm|deliveries|send");
  hook->require_subcommand(1);

  auto create_options = std::make_shared<CreateHookOptions>();
  CLI::App* create_command = hook->add_subcommand("create", "Make a hook; prints its URL and its secret (or token), shown once");
  create_command->add_option("name", create_options->name, "The hook's name")->required();
  create_command->add_option("--workflow", create_options->workflow, "The workflow a delivery starts (target start or alert)");
  create_command->add_option("--target", create_options->target, "start (default), event or alert (Alertmanager's payload)")
      ->check(CLI::IsMember({"start", "event", "alert"}));
  create_command->add_option("--param", create_options->params,
                             "PARAM=/json/pointer: where in the body a parameter's value is (default: the field of its name)");
  create_command->add_option("--event", create_options->event, "The event an `event` hook delivers");
  create_command->add_option("--instance-pointer", create_options->instance_pointer,
                             "Where in the body the instance's id is, as a JSON Pointer (/ticket/instance)");
  create_command->add_option("--auth", create_options->auth, "hmac (default: signed deliveries) or bearer (a token)")
      ->check(CLI::IsMember({"hmac", "bearer"}));
  add_client_options(create_command, create_options->client);
  create_command->callback([create_options] { create_hook(*create_options); });

  auto list_options = std::make_shared<ClientOptions>();
  CLI::App* list_command = hook->add_subcommand("ls", "List the hooks (never their keys or secrets)");
  add_client_options(list_command, *list_options);
  list_command->callback([list_options] { list_hooks(*list_options); });

  auto show_options = std::make_shared<HookOptions>();
  CLI::App* show_command = hook->add_subcommand("show", "A hook, its secrets' dates and its last deliveries");
  show_command->add_option("hook", show_options->hook, "The hook's name or id")->required();
  add_client_options(show_command, show_options->client);
  show_command->callback([show_options] { show_hook(*show_options); });

  auto rotate_options = std::make_shared<RotateHookOptions>();
  CLI::App* rotate_command = hook->add_subcommand("rotate", "Add a secret (printed alone on stdout, shown once)");
  rotate_command->add_option("hook", rotate_options->hook, "The hook's name or id")->required();
  rotate_command->add_option("--expire-old", rotate_options->expire_old, "The older secrets stop working after this long, like 1h");
  add_client_options(rotate_command, rotate_options->client);
  rotate_command->callback([rotate_options] { rotate_hook(*rotate_options); });

  auto remove_options = std::make_shared<HookOptions>();
  CLI::App* remove_command = hook->add_subcommand("rm", "Delete a hook: its URL answers 404 from now on, its deliveries are kept");
  remove_command->add_option("hook", remove_options->hook, "The hook's name or id")->required();
  add_client_options(remove_command, remove_options->client);
  remove_command->callback([remove_options] { remove_hook(*remove_options); });

  auto deliveries_options = std::make_shared<HookOptions>();
  CLI::App* deliveries_command = hook->add_subcommand("deliveries", "A hook's deliveries, newest first");
  deliveries_command->add_option("hook", deliveries_options->hook, "The hook's name or id")->required();
  add_client_options(deliveries_command, deliveries_options->client);
  deliveries_command->callback([deliveries_options] { list_deliveries(*deliveries_options); });

  auto send_options = std::make_shared<SendHookOptions>();
  CLI::App* send_command = hook->add_subcommand("send", "Sign and send a test delivery; prints the answer's status and body");
  send_command->add_option("key", send_options->key, "The hook's key (the last part of its URL)")->required();
  send_command->add_option("--data", send_options->data, "The body: JSON text, or @FILE (@- for stdin)")->required();
  send_command->add_option("--secret", send_options->secret, "The hook's secret to sign with (default: WF_HOOK_SECRET)");
  send_command->add_option("--bearer", send_options->bearer, "A bearer hook's token, instead of a signature");
  add_client_options(send_command, send_options->client);
  send_command->callback([send_options] { send_hook(*send_options); });
}

}  // namespace wf::cli

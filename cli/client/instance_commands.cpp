// `wf start`, `wf ls`, `wf show` and `wf cancel|pause|resume|retry` (SPEC §6): start an instance
// of a definition (or simulate it, or start it and wait for its end), list and read instances, and
// act on one.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/client/service_connection.h"
#include "cli/client/commands.h"
#include "cli/client/instance_outcome.h"
#include "cli/client/request_values.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"
#include "simulate/simulator.h"

namespace wf::cli {

namespace {

struct StartOptions {
  ClientOptions client;
  std::string name, hosts, groups, at;
  std::vector<std::string> params;
  bool simulate = false;
  bool force = false;  // start an inactive definition
  bool wait = false;   // --wait was given, with `wait_for` or without a duration
  std::string wait_for;
};

// How long `wf start --wait` waits without a duration: the longest the service allows.
constexpr const char* kLongestWait = "5m";
// What a waiting request allows beyond its wait for the answer to come back.
constexpr int64_t kAnswerMarginMs = 30000;

struct ListOptions {
  ClientOptions client;
  std::string status, workflow;
  int limit = 0;  // 0: the service's default
};

struct InstanceOptions {
  ClientOptions client;
  std::string id;
};

// A non-empty list of names for --hosts or --groups.
Json name_list(const std::string& text, std::string_view option) {
  std::vector<std::string> names = split_names(text);
  if (names.empty()) fail(kExitUsage, fmt::format("{} names nothing; give a,b", option));
  return Json(names);
}

// `wf start --wait`: the service holds the answer until the instance ends (200 with its detail)
// or the wait runs out (202 with its summary).
void start_and_wait(ServiceConnection& api, const std::string& path, const Json& body, const StartOptions& o) {
  const std::string wait = o.wait_for.empty() ? kLongestWait : o.wait_for;
  const auto wait_ms = parse_duration_ms(wait);
  if (!wait_ms) fail(kExitUsage, fmt::format("--wait \"{}\": expected a duration like 30s or 5m", wait));
  const client::HttpResult result = api.send("POST", path + "?wait=" + client::url_encode(wait), &body, *wait_ms + kAnswerMarginMs);
  if (!result.ok()) api.fail_request(result);
  const Json answer = ServiceConnection::parse_answer(result);
  const auto id = int_field(answer, "id");
  if (!id) fail(kExitUsage, "the service's answer has no instance id");
  if (result.status == 200) {
    if (!o.client.json()) fmt::print(stderr, "instance {}\n", *id);
    return finish_wait(answer, o.client.json());
  }
  // Still going: its id, for `wf wait`, and the exit code of a wait that gave up.
  if (o.client.json()) print_json(answer);
  else fmt::print("{}\n", *id);
  fail(kExitUsage, fmt::format("instance {} has not ended within {} (status {}); `wf wait {}` waits on", *id, wait,
                               text_field(answer, "status"), *id));
}

void start(const StartOptions& o) {
  Json body = Json::object();
  std::string error;
  std::optional<Json> params = param_object(o.params, error);
  if (!params) fail(kExitUsage, error);
  if (!params->empty()) body["params"] = std::move(*params);
  if (!o.hosts.empty()) body["hosts"] = name_list(o.hosts, "--hosts");
  if (!o.groups.empty()) body["groups"] = name_list(o.groups, "--groups");
  if (!o.at.empty()) {
    std::string error;
    const auto when = parse_start_time(o.at, SystemClock::now(), error);
    if (!when) fail(kExitUsage, error);
    body["scheduled_at"] = format_rfc3339_utc(*when);
  }
  if (o.simulate) body["simulate"] = true;
  if (o.force) body["force"] = true;

  ServiceConnection api(o.client);
  const std::string path = "/definitions/" + client::url_encode(o.name) + "/run";
  if (o.wait && !o.simulate) return start_and_wait(api, path, body, o);
  const Json answer = api.post(path, body);
  if (o.client.json()) return print_json(answer);
  if (o.simulate) {
    // The simulation report, as `wf simulate` prints it, and its exit code.
    fmt::print("{}", simulate::report_text(answer));
    std::fflush(stdout);
    const int code = exit_code_for_instance(answer).value_or(kExitUsage);
    if (code != kExitOk) throw CLI::RuntimeError(code);
    return;
  }
  const auto id = int_field(answer, "id");
  if (!id) fail(kExitUsage, "the service's answer has no instance id");
  fmt::print("{}\n", *id);
}

void list(const ListOptions& o) {
  std::string query;
  auto add = [&query](std::string_view name, const std::string& value) {
    query += query.empty() ? "?" : "&";
    query += fmt::format("{}={}", name, client::url_encode(value));
  };
  if (!o.status.empty()) add("status", o.status);
  if (!o.workflow.empty()) add("workflow", o.workflow);
  if (o.limit > 0) add("limit", std::to_string(o.limit));

  ServiceConnection api(o.client);
  const Json answer = api.get("/instances" + query);
  const Json* items = &list_items(answer, "instances");
  if (o.client.json()) return print_json(*items);
  fmt::print("{}", render_instance_table(*items));
  // The service names the next page (`next`) when there is one; it counts only when asked.
  if (field(answer, "next") != nullptr) fmt::print(stderr, "({} instances shown; --limit shows more)\n", items->size());
}

void show(const InstanceOptions& o) {
  const int64_t id = require_id(o.id, "instance");
  ServiceConnection api(o.client);
  const Json detail = api.get(fmt::format("/instances/{}", id));
  if (o.client.json()) return print_json(detail);
  fmt::print("{}", render_instance_detail(detail));
}

// cancel, pause, resume and retry: one POST each, answered with the instance detail.
void act(const InstanceOptions& o, std::string_view action) {
  const int64_t id = require_id(o.id, "instance");
  ServiceConnection api(o.client);
  const Json detail = api.post(fmt::format("/instances/{}/{}", id, action), Json::object());
  if (o.client.json()) return print_json(detail);
  fmt::print("instance {}: {}\n", id, status_text(detail));
}

}  // namespace

void register_instance_commands(CLI::App& app) {
  auto start_options = std::make_shared<StartOptions>();
  CLI::App* start_command = app.add_subcommand("start", "Start an instance of a definition; prints its id");
  start_command->add_option("name", start_options->name, "The workflow's name")->required();
  start_command->add_option("--param", start_options->params, "A parameter, NAME=VALUE; VALUE is JSON or else a string (repeatable)")
      ->allow_extra_args(false);
  start_command->add_option("--hosts", start_options->hosts,
                            "Hosts for the workflow's one `hosts` parameter: a,b (with several, --param NAME=a,b,@group for each)");
  start_command->add_option("--groups", start_options->groups, "Host groups for the workflow's one `hosts` parameter: g,h");
  start_command->add_option("--at", start_options->at, "Start later: an RFC 3339 time, or +DURATION like +10m");
  start_command->add_flag("--simulate", start_options->simulate,
                          "Run as a simulation: no job runs on a host; prints the report as `wf simulate` does");
  CLI::Option* wait_option = start_command->add_option(
      "--wait", start_options->wait_for,
      "Wait (at most DURATION, default and longest 5m) for the instance to end and print its result; exit 0 "
      "completed, 1 failed, 3 cancelled, rejected or timed out, 2 when it has not ended by then");
  wait_option->expected(0, 1);
  start_command->add_flag("--force", start_options->force, "Start it even if the definition is inactive");
  add_client_options(start_command, start_options->client);
  start_command->callback([start_options, wait_option] {
    start_options->wait = wait_option->count() > 0;
    start(*start_options);
  });

  auto list_options = std::make_shared<ListOptions>();
  CLI::App* list_command = app.add_subcommand("ls", "List instances");
  list_command->add_option("--status", list_options->status, "Only instances with this status")
      ->check(CLI::IsMember(instance_statuses()));
  list_command->add_option("--workflow", list_options->workflow, "Only instances of this workflow");
  list_command->add_option("--limit", list_options->limit, "At most this many (1 to 1000; default 50)")
      ->check(CLI::Range(1, 1000));
  add_client_options(list_command, list_options->client);
  list_command->callback([list_options] { list(*list_options); });

  auto show_options = std::make_shared<InstanceOptions>();
  CLI::App* show_command = app.add_subcommand("show", "Show an instance: status, error, steps, variables, result");
  show_command->add_option("id", show_options->id, "The instance's id")->required();
  add_client_options(show_command, show_options->client);
  show_command->callback([show_options] { show(*show_options); });

  struct Action {
    const char* name;
    const char* description;
  };
  static constexpr Action kActions[] = {
      {"cancel", "Cancel an instance (running jobs finish, queued ones are dropped)"},
      {"pause", "Pause an instance at its next effect"},
      {"resume", "Resume a paused instance"},
      {"retry", "Retry a failed instance from its failed step"},
  };
  for (const Action& action : kActions) {
    auto options = std::make_shared<InstanceOptions>();
    CLI::App* command = app.add_subcommand(action.name, action.description);
    command->add_option("id", options->id, "The instance's id")->required();
    add_client_options(command, options->client);
    command->callback([options, name = std::string(action.name)] { act(*options, name); });
  }
}

}  // namespace wf::cli

// `wf scripts ls|show|run|executions` (SPEC §6, docs/api.md "Script library"): the scripts and
// libraries of the published definitions, one script's declaration, running a script on hosts
// (one job per host; following their output or waiting for them all) and the jobs that ran it.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/client/commands.h"
#include "cli/client/job_output_follower.h"
#include "cli/client/request_values.h"
#include "cli/client/script_render.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct ListOptions {
  ClientOptions client;
  std::string definition;
};

struct ShowOptions {
  ClientOptions client;
  std::string name, definition;
};

struct RunOptions {
  ClientOptions client;
  std::string name, hosts, definition;
  std::vector<std::string> params;
  bool follow = false, wait = false;
};

struct ExecutionsOptions {
  ClientOptions client;
  std::string name, definition;
  int limit = 0;  // 0: the service's default
};

// `?definition=D` when a definition is named, else nothing.
std::string definition_query(const std::string& definition) {
  return definition.empty() ? "" : "?definition=" + client::url_encode(definition);
}

// The items of `GET /scripts[?definition=]`.
Json published_scripts(ServiceConnection& api, const std::string& definition) {
  return list_items(api.get("/scripts" + definition_query(definition)), "scripts");
}

void list(const ListOptions& o) {
  ServiceConnection api(o.client);
  const Json items = published_scripts(api, o.definition);
  if (o.client.json()) return print_json(items);
  fmt::print("{}", render_script_table(items));
}

// The service lists scripts rather than serving one: the ones of that name, each with the
// definition that declares it (two definitions may). `--format json` prints them as a list, one
// shape however many there are.
void show(const ShowOptions& o) {
  ServiceConnection api(o.client);
  Json found = Json::array();
  for (const Json& script : published_scripts(api, o.definition))
    if (text_field(script, "name") == o.name) found.push_back(script);
  if (found.empty())
    fail(kExitUsage, fmt::format("no published script or library `{}`{}", o.name, o.definition.empty() ? "" : " in that definition"));
  if (o.client.json()) return print_json(found);
  for (size_t i = 0; i < found.size(); ++i) fmt::print("{}{}", i > 0 ? "\n" : "", render_script_detail(found[i]));
}

struct CreatedJob {
  int64_t id = 0;
  std::string host;
};

// Follows (or, quietly, waits for) every job to its end, one after another, and ends the command
// as they ended: 0 when all completed, else the exit code of exit_code_for_jobs after naming each
// job that did not complete.
void see_jobs_through(ServiceConnection& api, const Json& answer, const std::vector<CreatedJob>& created, const RunOptions& o) {
  if (!o.follow)
    for (const CreatedJob& job : created) fmt::print(stderr, "job {} on {}\n", job.id, one_line(job.host));
  std::vector<Json> ended;
  for (const CreatedJob& job : created) {
    if (o.follow) {
      fmt::print(stderr, "{}job {} on {}\n", ended.empty() ? "" : "\n", job.id, one_line(job.host));
      std::fflush(stderr);
    }
    const auto output = o.follow ? JobOutputFollower::Output::Print : JobOutputFollower::Output::Quiet;
    ended.push_back(JobOutputFollower(api, job.id, output).run(/*follow=*/true));
  }
  std::vector<std::string> statuses;
  for (const Json& job : ended) statuses.push_back(text_field(job, "status"));
  if (o.client.json()) {
    Json whole = answer;
    whole["jobs"] = Json(ended);
    print_json(whole);
  } else if (!o.follow) {
    fmt::print("{}", render_run_table(ended));
  }
  std::fflush(stdout);
  const int code = exit_code_for_jobs(statuses).value_or(kExitUsage);
  if (code == kExitOk) return;
  size_t not_completed = 0;
  for (const Json& job : ended) {
    const std::string status = text_field(job, "status");
    if (status == "completed") continue;
    ++not_completed;
    std::string why = fmt::format("job {} on {}: {}", int_field(job, "id").value_or(0), one_line(text_field(job, "host")), status);
    if (auto exit_code = int_field(job, "exit_code"); exit_code && status == "failed") why += fmt::format(" (exit {})", *exit_code);
    if (const std::string error = text_field(job, "error"); !error.empty()) why += ": " + one_line(error);
    fmt::print(stderr, "{}\n", why);
  }
  fail(code, fmt::format("{} of {} jobs did not complete", not_completed, ended.size()));
}

void run(const RunOptions& o) {
  const std::vector<std::string> hosts = split_names(o.hosts);
  if (hosts.empty()) fail(kExitUsage, "--hosts names nothing; give a,b");
  Json body = {{"hosts", hosts}};
  std::string error;
  std::optional<Json> params = param_object(o.params, error);
  if (!params) fail(kExitUsage, error);
  if (!params->empty()) body["params"] = std::move(*params);
  if (!o.definition.empty()) body["definition"] = o.definition;

  ServiceConnection api(o.client);
  const Json answer = api.post(fmt::format("/scripts/{}/execute", client::url_encode(o.name)), body);
  std::vector<CreatedJob> created;
  if (const Json* jobs = field(answer, "jobs"); jobs != nullptr && jobs->is_array())
    for (const Json& job : *jobs)
      if (auto id = int_field(job, "id")) created.push_back({*id, text_field(job, "host")});
  if (created.empty()) fail(kExitUsage, "the service's answer has no job ids");
  if (o.follow || o.wait) return see_jobs_through(api, answer, created, o);
  if (o.client.json()) return print_json(answer);
  for (const CreatedJob& job : created) fmt::print("{}\n", job.id);
}

void executions(const ExecutionsOptions& o) {
  std::string query = definition_query(o.definition);
  if (o.limit > 0) query += fmt::format("{}limit={}", query.empty() ? "?" : "&", o.limit);
  ServiceConnection api(o.client);
  const Json answer = api.get(fmt::format("/scripts/{}/executions{}", client::url_encode(o.name), query));
  const Json* items = &list_items(answer, "executions");
  if (o.client.json()) return print_json(*items);
  fmt::print("{}", render_execution_table(*items));
  // The service names the next page (`next`) when there is one.
  if (field(answer, "next") != nullptr) fmt::print(stderr, "({} executions shown; --limit shows more)\n", items->size());
}

}  // namespace

void register_script_commands(CLI::App& app) {
  CLI::App* scripts = app.add_subcommand("scripts", "The script library: list scripts, show one, run one on hosts, list its runs");
  scripts->require_subcommand(1);

  auto list_options = std::make_shared<ListOptions>();
  CLI::App* list_command = scripts->add_subcommand("ls", "List the scripts and libraries of the published definitions");
  list_command->add_option("--definition", list_options->definition, "Only those of this definition (its name or id)");
  add_client_options(list_command, list_options->client);
  list_command->callback([list_options] { list(*list_options); });

  auto show_options = std::make_shared<ShowOptions>();
  CLI::App* show_command = scripts->add_subcommand("show", "Show a script or library: docs, parameters, uses, body");
  show_command->add_option("name", show_options->name, "The script's name")->required();
  show_command->add_option("--definition", show_options->definition, "The definition declaring it (its name or id)");
  add_client_options(show_command, show_options->client);
  show_command->callback([show_options] { show(*show_options); });

  auto run_options = std::make_shared<RunOptions>();
  CLI::App* run_command = scripts->add_subcommand(
      "run", "Run a published script on hosts, one job per host; prints the job ids, one per line in host order");
  run_command->add_option("name", run_options->name, "The script's name")->required();
  run_command->add_option("--hosts", run_options->hosts, "The hosts to run it on: a,b")->required();
  run_command->add_option("--param", run_options->params, "A parameter, NAME=VALUE; VALUE is JSON or else a string (repeatable)")
      ->allow_extra_args(false);
  run_command->add_option("--definition", run_options->definition,
                          "The definition declaring it (its name or id), when several declare a script of that name");
  run_command->add_flag("-f,--follow", run_options->follow,
                        "Print each job's output as it runs, one job after another; exit as --wait does");
  run_command->add_flag("--wait", run_options->wait,
                        "Wait for every job to end and print how each ended; exit 0 when all completed, 1 when one "
                        "failed, else 3 (one timed out or was cancelled)");
  add_client_options(run_command, run_options->client);
  run_command->callback([run_options] { run(*run_options); });

  auto executions_options = std::make_shared<ExecutionsOptions>();
  CLI::App* executions_command =
      scripts->add_subcommand("executions", "List the jobs that ran a script, newest first: by `run` and by workflows");
  executions_command->add_option("name", executions_options->name, "The script's name")->required();
  executions_command->add_option("--definition", executions_options->definition, "Only its runs of this definition (its name or id)");
  executions_command->add_option("--limit", executions_options->limit, "At most this many (1 to 1000; default 50)")
      ->check(CLI::Range(1, 1000));
  add_client_options(executions_command, executions_options->client);
  executions_command->callback([executions_options] { executions(*executions_options); });
}

}  // namespace wf::cli

// `wf jobs` and `wf job show|run|cancel|retry|rm|logs` (SPEC §6): jobs, ad hoc and of instances —
// list them, read one with its output, run a command on a host, act on one, and follow its
// output live.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/client/commands.h"
#include "cli/client/job_output_follower.h"
#include "cli/client/job_render.h"
#include "cli/client/request_values.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct JobsOptions {
  ClientOptions client;
  std::string status, host, instance;
  int limit = 0;  // 0: the service's default
};

struct JobOptions {
  ClientOptions client;
  std::string id;
  bool follow = false;
};

struct RunOptions {
  ClientOptions client;
  std::string host, priority, timeout;
  std::vector<std::string> command;
  bool follow = false;
};

void list_jobs(const JobsOptions& o) {
  std::string query;
  auto add = [&query](std::string_view name, const std::string& value) {
    query += query.empty() ? "?" : "&";
    query += fmt::format("{}={}", name, client::url_encode(value));
  };
  if (!o.status.empty()) add("status", o.status);
  if (!o.host.empty()) add("host", o.host);
  if (!o.instance.empty()) add("instance", std::to_string(require_id(o.instance, "instance")));
  if (o.limit > 0) add("limit", std::to_string(o.limit));

  ServiceConnection api(o.client);
  const Json answer = api.get("/jobs" + query);
  const Json* items = &list_items(answer, "jobs");
  if (o.client.json()) return print_json(*items);
  fmt::print("{}", render_job_table(*items));
  const auto total = int_field(answer, "total");
  if (total && *total > static_cast<int64_t>(items->size()))
    fmt::print(stderr, "({} of {} jobs shown; --limit shows more)\n", items->size(), *total);
}

void show(const JobOptions& o) {
  const int64_t id = require_id(o.id, "job");
  ServiceConnection api(o.client);
  const Json job = api.get(fmt::format("/jobs/{}", id));
  if (o.client.json()) return print_json(job);
  fmt::print("{}", render_job_detail(job));
}

// Follows a job's output to its end and ends the command as the job ended (job_render.h).
void follow_to_end(ServiceConnection& api, int64_t id, bool json) {
  const Json job = JobOutputFollower(api, id).run(/*follow=*/true);
  const std::string status = text_field(job, "status");
  if (json) print_json(job);
  const int code = exit_code_for_job(status).value_or(kExitUsage);
  if (code != kExitOk) {
    std::string why = fmt::format("job {} {}", id, status);
    if (auto exit_code = int_field(job, "exit_code"); exit_code && status == "failed") why += fmt::format(" (exit {})", *exit_code);
    if (const std::string error = text_field(job, "error"); !error.empty()) why += ": " + error;
    fail(code, why);
  }
}

// One word is a shell command line (pipes and all, as `sh -c` runs it); several are the program
// and its arguments, run without a shell.
void run(const RunOptions& o) {
  if (o.command.empty()) fail(kExitUsage, "give the command after --: wf job run --host H -- CMD...");
  Json body = {{"host", o.host}};
  if (o.command.size() == 1) body["command"] = o.command.front();
  else body["argv"] = o.command;
  if (!o.priority.empty()) body["priority"] = o.priority;
  if (!o.timeout.empty()) {
    const auto ms = parse_duration_ms(o.timeout);
    if (!ms || *ms < 1) fail(kExitUsage, fmt::format("--timeout \"{}\": expected a duration like 30s, 5m or 1h30m", o.timeout));
    body["timeout_ms"] = *ms;
  }
  ServiceConnection api(o.client);
  const Json job = api.post("/jobs", body);
  const auto id = int_field(job, "id");
  if (!id) fail(kExitUsage, "the service's answer has no job id");
  if (o.follow) return follow_to_end(api, *id, o.client.json());
  if (o.client.json()) return print_json(job);
  fmt::print("{}\n", *id);
}

void logs(const JobOptions& o) {
  const int64_t id = require_id(o.id, "job");
  ServiceConnection api(o.client);
  JobOutputFollower(api, id).run(o.follow);
}

// cancel and retry: one POST each; retry answers the new job.
void act(const JobOptions& o, std::string_view action) {
  const int64_t id = require_id(o.id, "job");
  ServiceConnection api(o.client);
  const Json answer = api.post(fmt::format("/jobs/{}/{}", id, action), Json::object());
  if (o.client.json()) return print_json(answer);
  if (action == "retry") {
    const auto fresh = int_field(answer, "id");
    if (!fresh) fail(kExitUsage, "the service's answer has no job id");
    fmt::print("{}\n", *fresh);
    return;
  }
  fmt::print("job {}: {}\n", id, one_line(text_field(answer, "status")));
}

void remove(const JobOptions& o) {
  const int64_t id = require_id(o.id, "job");
  ServiceConnection api(o.client);
  api.call("DELETE", fmt::format("/jobs/{}", id));
  if (o.client.json()) return print_json(Json{{"id", id}, {"removed", true}});
  fmt::print("job {}: removed\n", id);
}

}  // namespace

void register_job_commands(CLI::App& app) {
  auto jobs_options = std::make_shared<JobsOptions>();
  CLI::App* jobs_command = app.add_subcommand("jobs", "List jobs, ad hoc and of instances, newest first");
  jobs_command->add_option("--status", jobs_options->status, "Only jobs with this status")->check(CLI::IsMember(job_statuses()));
  jobs_command->add_option("--host", jobs_options->host, "Only jobs of this host");
  jobs_command->add_option("--instance", jobs_options->instance, "Only jobs of this instance");
  jobs_command->add_option("--limit", jobs_options->limit, "At most this many (1 to 1000; default 50)")->check(CLI::Range(1, 1000));
  add_client_options(jobs_command, jobs_options->client);
  jobs_command->callback([jobs_options] { list_jobs(*jobs_options); });

  CLI::App* job = app.add_subcommand("job", "Show, run, cancel, retry, remove or follow one job");
  job->require_subcommand(1);

  auto show_options = std::make_shared<JobOptions>();
  CLI::App* show_command = job->add_subcommand("show", "Show a job: status, times, exit code, stdout and stderr");
  show_command->add_option("id", show_options->id, "The job's id")->required();
  add_client_options(show_command, show_options->client);
  show_command->callback([show_options] { show(*show_options); });

  auto run_options = std::make_shared<RunOptions>();
  CLI::App* run_command = job->add_subcommand(
      "run", "Run a command on a host as an ad-hoc job; prints its id (-f: its output, and exits as the job ended)");
  run_command->add_option("--host", run_options->host, "The host to run it on")->required();
  run_command->add_option("--priority", run_options->priority, "The job's priority (default normal)")
      ->check(CLI::IsMember(job_priorities()));
  run_command->add_option("--timeout", run_options->timeout, "Stop it after this long: 30s, 5m, 1h30m (default 5m)");
  run_command->add_flag("-f,--follow", run_options->follow,
                        "Print its output as it runs; exit 0 completed, 1 failed, 3 timed out or cancelled");
  run_command->add_option("command", run_options->command,
                          "After --: one word is a shell command line, several are a program and its arguments");
  add_client_options(run_command, run_options->client);
  run_command->callback([run_options] { run(*run_options); });

  auto logs_options = std::make_shared<JobOptions>();
  CLI::App* logs_command = job->add_subcommand("logs", "Print a job's stdout (and its stderr on stderr)");
  logs_command->add_option("id", logs_options->id, "The job's id")->required();
  logs_command->add_flag("-f,--follow", logs_options->follow, "Follow the output live until the job ends");
  add_client_options(logs_command, logs_options->client);
  logs_command->callback([logs_options] { logs(*logs_options); });

  struct Action {
    const char* name;
    const char* description;
  };
  static constexpr Action kActions[] = {
      {"cancel", "Cancel a job"},
      {"retry", "Run an ended ad-hoc job again; prints the new job's id"},
  };
  for (const Action& action : kActions) {
    auto options = std::make_shared<JobOptions>();
    CLI::App* command = job->add_subcommand(action.name, action.description);
    command->add_option("id", options->id, "The job's id")->required();
    add_client_options(command, options->client);
    command->callback([options, name = std::string(action.name)] { act(*options, name); });
  }

  auto rm_options = std::make_shared<JobOptions>();
  CLI::App* rm_command = job->add_subcommand("rm", "Remove an ended job from the job lists");
  rm_command->add_option("id", rm_options->id, "The job's id")->required();
  add_client_options(rm_command, rm_options->client);
  rm_command->callback([rm_options] { remove(*rm_options); });
}

}  // namespace wf::cli

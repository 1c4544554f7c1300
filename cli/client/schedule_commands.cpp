// `wf schedule ls|show|create|pause|resume|rm` (SPEC §4.5): schedules of a workflow or of a
// recurring job, through the service's /schedules.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
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

namespace wf::cli {

namespace {

struct CreateScheduleOptions {
  ClientOptions client;
  std::string name, cron, tz, workflow, hosts, groups, overlap, catch_up, start, end, command, script;
  std::vector<std::string> params;
  int64_t max = 0;
  bool paused = false;
};

struct ScheduleOptions {
  ClientOptions client;
  std::string key;  // its name or id
};

std::string path_of(const std::string& key) { return "/schedules/" + client::url_encode(key); }

// What a schedule starts: "workflow W" or "job on a,b".
std::string target_text(const Json& s) {
  if (text_field(s, "kind") == "job") {
    std::vector<std::string> hosts;
    if (const Json* h = field(s, "hosts"); h && h->is_array())
      for (const auto& e : *h)
        if (e.is_string()) hosts.push_back(e.get<std::string>());
    return fmt::format("job on {}", fmt::join(hosts, ","));
  }
  return "workflow " + text_field(s, "workflow");
}

std::string render_schedule_table(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& s : items)
    rows.push_back({int_or_dash(s, "id"), one_line(text_field(s, "name")), one_line(text_field(s, "cron")), one_line(text_field(s, "tz")),
                    one_line(target_text(s)), or_dash(text_field(s, "next_due")), int_or_dash(s, "tick_count"),
                    field(s, "paused") && field(s, "paused")->is_boolean() && field(s, "paused")->get<bool>() ? "paused" : "active",
                    or_dash(text_field(s, "source"))});
  return render_table({"ID", "NAME", "CRON", "TZ", "STARTS", "NEXT", "TICKS", "STATE", "SOURCE"}, rows);
}

std::string render_schedule_detail(const Json& s) {
  std::string out;
  out += fmt::format("schedule {} ({})\n", one_line(text_field(s, "name")), int_or_dash(s, "id"));
  out += fmt::format("  starts:    {}\n", one_line(target_text(s)));
  out += fmt::format("  cron:      {} in {}\n", one_line(text_field(s, "cron")), one_line(text_field(s, "tz")));
  out += fmt::format("  overlap:   {}, catch-up {} s\n", one_line(text_field(s, "overlap")), int_or_dash(s, "catch_up_seconds"));
  out += fmt::format("  ends:      {}, at most {} recurrences\n", or_dash(text_field(s, "end")), int_or_dash(s, "max_recurrences"));
  const Json* paused = field(s, "paused");
  out += fmt::format("  state:     {} ({} ticks so far, from {})\n",
                     paused && paused->is_boolean() && paused->get<bool>() ? "paused" : "active", int_or_dash(s, "tick_count"),
                     one_line(text_field(s, "source")));
  out += "next fire times:\n";
  if (const Json* next = field(s, "next_fire_times"); next && next->is_array() && !next->empty()) {
    for (const auto& t : *next)
      if (t.is_string()) out += fmt::format("  {}\n", one_line(t.get<std::string>()));
  } else {
    out += "  (none)\n";
  }
  out += "last ticks:\n";
  std::vector<std::vector<std::string>> rows;
  if (const Json* ticks = field(s, "ticks"); ticks && ticks->is_array())
    for (const Json& t : *ticks) {
      std::string started = int_or_dash(t, "instance_id");
      if (const Json* jobs = field(t, "job_ids"); jobs && jobs->is_array()) started = "jobs " + one_line(jobs->dump());
      rows.push_back({one_line(text_field(t, "due")), one_line(text_field(t, "outcome")), started, or_dash(text_field(t, "detail"))});
    }
  if (rows.empty()) return out + "  (none)\n";
  return out + render_table({"DUE", "OUTCOME", "STARTED", "DETAIL"}, rows);
}

// A list of names for --hosts or --groups; fails on an empty one.
Json names(const std::string& text, std::string_view option) {
  std::vector<std::string> list = split_names(text);
  if (list.empty()) fail(kExitUsage, fmt::format("{} names nothing; give a,b", option));
  return Json(list);
}

// An --end or --start: RFC 3339, or +DURATION from now.
std::string instant(const std::string& text, std::string_view option) {
  std::string error;
  const auto when = parse_start_time(text, SystemClock::now(), error);
  if (!when) fail(kExitUsage, fmt::format("{}: {}", option, error));
  return format_rfc3339_utc(*when);
}

void create_schedule(const CreateScheduleOptions& o) {
  Json body = {{"name", o.name}, {"cron", o.cron}};
  if (!o.tz.empty()) body["tz"] = o.tz;
  const bool job = !o.command.empty() || !o.script.empty();
  if (job == !o.workflow.empty())
    fail(kExitUsage, "give either --workflow W, or --command C / --script FILE with --hosts for a recurring job");
  if (job) {
    if (!o.command.empty() && !o.script.empty()) fail(kExitUsage, "give --command or --script, not both");
    if (o.hosts.empty()) fail(kExitUsage, "a recurring job needs --hosts a,b");
    if (!o.params.empty() || !o.groups.empty()) fail(kExitUsage, "a recurring job takes no --param or --groups");
    Json spec = {{"hosts", names(o.hosts, "--hosts")}};
    if (!o.command.empty()) spec["command"] = o.command;
    if (!o.script.empty()) {
      std::ifstream in(o.script, std::ios::binary);
      if (!in) fail(kExitUsage, fmt::format("--script {}: cannot read it", o.script));
      spec["script"] = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    body["job"] = std::move(spec);
  } else {
    body["workflow"] = o.workflow;
    std::string error;
    std::optional<Json> params = param_object(o.params, error);
    if (!params) fail(kExitUsage, error);
    if (!params->empty()) body["params"] = std::move(*params);
    if (!o.hosts.empty()) body["hosts"] = names(o.hosts, "--hosts");
    if (!o.groups.empty()) body["groups"] = names(o.groups, "--groups");
  }
  if (!o.overlap.empty()) body["overlap"] = o.overlap;
  if (!o.catch_up.empty()) {
    const auto ms = parse_duration_ms(o.catch_up);
    if (!ms) fail(kExitUsage, fmt::format("--catch-up \"{}\": expected a duration like 60s or 5m", o.catch_up));
    body["catch_up_seconds"] = *ms / 1000;
  }
  if (!o.start.empty()) body["start"] = instant(o.start, "--start");
  if (!o.end.empty()) body["end"] = instant(o.end, "--end");
  if (o.max > 0) body["max_recurrences"] = o.max;
  if (o.paused) body["paused"] = true;
  ServiceConnection api(o.client);
  const Json answer = api.post("/schedules", body);
  if (o.client.json()) return print_json(answer);
  fmt::print("{}\n", int_or_dash(answer, "id"));
  fmt::print(stderr, "schedule {}: next due {}\n", one_line(text_field(answer, "name")), or_dash(text_field(answer, "next_due")));
}

void list_schedules(const ClientOptions& client) {
  ServiceConnection api(client);
  const Json answer = api.get("/schedules");
  const Json& items = list_items(answer, "schedules");
  if (client.json()) return print_json(items);
  fmt::print("{}", render_schedule_table(items));
}

void show_schedule(const ScheduleOptions& o) {
  ServiceConnection api(o.client);
  const Json answer = api.get(path_of(o.key));
  if (o.client.json()) return print_json(answer);
  fmt::print("{}", render_schedule_detail(answer));
}

void act(const ScheduleOptions& o, const std::string& action, std::string_view done) {
  ServiceConnection api(o.client);
  const Json answer = action == "rm" ? api.remove(path_of(o.key)) : api.post(path_of(o.key) + "/" + action, Json::object());
  if (o.client.json()) return print_json(answer);
  fmt::print("schedule {} {}\n", one_line(o.key), done);
}

}  // namespace

void register_schedule_commands(CLI::App& app) {
  CLI::App* schedule = app.add_subcommand("schedule", "Schedules: wf schedule ls|show|create|pause|resume|rm");
  schedule->require_subcommand(1);

  auto list_options = std::make_shared<ClientOptions>();
  CLI::App* ls = schedule->add_subcommand("ls", "List the schedules with their next due time");
  add_client_options(ls, *list_options);
  ls->callback([list_options] { list_schedules(*list_options); });

  auto show_options = std::make_shared<ScheduleOptions>();
  CLI::App* show = schedule->add_subcommand("show", "A schedule with its next 10 fire times and its last 20 ticks");
  show->add_option("schedule", show_options->key, "Its name or id")->required();
  add_client_options(show, show_options->client);
  show->callback([show_options] { show_schedule(*show_options); });

  auto c = std::make_shared<CreateScheduleOptions>();
  CLI::App* create = schedule->add_subcommand("create", "Create a schedule of a workflow, or of a recurring job (--command/--script)");
  create->add_option("name", c->name, "The schedule's name")->required();
  create->add_option("--cron", c->cron, "A cron expression: 5 fields, @daily, @every 90s, ...")->required();
  create->add_option("--tz", c->tz, "The IANA time zone of its wall-clock times (default UTC)");
  create->add_option("--workflow", c->workflow, "The workflow it starts (a definition's name or id)");
  create->add_option("--param", c->params, "A parameter, NAME=VALUE; VALUE is JSON or else a string (repeatable)");
  create->add_option("--hosts", c->hosts, "Hosts: the workflow's one `hosts` parameter, or where a recurring job runs (a,b)");
  create->add_option("--groups", c->groups, "Host groups for the workflow's `hosts` parameter (a,b)");
  create->add_option("--command", c->command, "A recurring job: the shell command each tick runs on --hosts");
  create->add_option("--script", c->script, "A recurring job: the file whose script each tick runs on --hosts");
  create->add_option("--overlap", c->overlap, "While the previous run goes on: skip (default), allow or buffer_one");
  create->add_option("--catch-up", c->catch_up, "After downtime, due times this recent fire once (default 60s)");
  create->add_option("--start", c->start, "Not before this time (RFC 3339, or +DURATION)");
  create->add_option("--end", c->end, "Not after this time (RFC 3339, or +DURATION)");
  create->add_option("--max", c->max, "At most this many due times");
  create->add_flag("--paused", c->paused, "Create it paused");
  add_client_options(create, c->client);
  create->callback([c] { create_schedule(*c); });

  for (auto [action, summary, done] : {std::tuple{"pause", "Pause a schedule: no tick until it is resumed", "paused"},
                                       std::tuple{"resume", "Resume a schedule from now on", "resumed"},
                                       std::tuple{"rm", "Remove a schedule (its ticks are kept)", "removed"}}) {
    auto o = std::make_shared<ScheduleOptions>();
    CLI::App* command = schedule->add_subcommand(action, summary);
    command->add_option("schedule", o->key, "Its name or id")->required();
    add_client_options(command, o->client);
    command->callback([o, a = std::string(action), d = std::string(done)] { act(*o, a, d); });
  }
}

}  // namespace wf::cli

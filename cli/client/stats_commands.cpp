// `wf stats [--since 7d] [--workflow W] [--format json]` (docs/api.md, "Analytics"): how the
// organization's automation performed — executions, success rate, durations, executions by
// status, the busiest workflows, agents, approvals and notifications — as readable tables, with
// the daily trend drawn as a small bar chart.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cli/client/commands.h"
#include "cli/client/json_fields.h"
#include "cli/client/request_values.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct StatsOptions {
  ClientOptions client;
  std::string since = "7d", workflow;
};

// The widest bar of the daily chart, in characters.
constexpr int kChartWidth = 40;

std::string percent(const Json& answer, std::string_view name) {
  const Json* v = field(answer, name);
  if (!v || !v->is_number()) return "-";
  return fmt::format("{:.1f}%", v->get<double>() * 100);
}

std::string duration(const Json& answer, std::string_view name) {
  const Json* v = field(answer, name);
  if (!v || !v->is_number()) return "-";
  return format_duration_ms(static_cast<int64_t>(std::llround(v->get<double>())));
}

int64_t count(const Json& object, std::string_view name) { return int_field(object, name).value_or(0); }

// One line per day: its date, a bar of `#` (completed) then `x` (failed, cancelled, timed out)
// scaled to the busiest day, and the counts.
std::string render_trend(const Json& daily) {
  int64_t most = 0;
  for (const Json& day : daily)
    most = std::max(most, count(day, "completed") + count(day, "failed") + count(day, "cancelled") + count(day, "timeout"));
  std::string out;
  for (const Json& day : daily) {
    const int64_t ok = count(day, "completed");
    const int64_t bad = count(day, "failed") + count(day, "cancelled") + count(day, "timeout");
    auto width = [most](int64_t n) { return most == 0 ? 0 : static_cast<int>((n * kChartWidth + most - 1) / most); };
    const int ok_width = width(ok), bad_width = std::min(width(bad), kChartWidth - std::min(ok_width, kChartWidth));
    out += fmt::format("{}  {:<{}}  {} completed, {} failed, {} cancelled, {} timed out\n", text_field(day, "day"),
                       std::string(static_cast<size_t>(ok_width), '#') + std::string(static_cast<size_t>(bad_width), 'x'),
                       kChartWidth, ok, count(day, "failed"), count(day, "cancelled"), count(day, "timeout"));
  }
  return out;
}

std::string render(const Json& a) {
  std::string out;
  const std::string workflow = text_field(a, "workflow");
  out += fmt::format("From {} to {}{}\n\n", text_field(a, "from"), text_field(a, "to"),
                     workflow.empty() ? "" : fmt::format(", workflow {}", workflow));
  out += render_table({"EXECUTIONS", "SUCCESS", "AVERAGE", "MEDIAN", "ACTIVE WORKFLOWS"},
                      {{std::to_string(count(a, "executions")), percent(a, "success_rate"), duration(a, "average_duration_ms"),
                        duration(a, "median_duration_ms"), std::to_string(count(a, "active_workflows"))}});
  std::vector<std::vector<std::string>> statuses;
  if (const Json* by = field(a, "by_status"); by && by->is_object())
    for (const auto& [status, n] : by->items())
      if (n.is_number_integer() && n.get<int64_t>() > 0) statuses.push_back({status, std::to_string(n.get<int64_t>())});
  if (!statuses.empty()) out += "\n" + render_table({"STATUS", "EXECUTIONS"}, statuses);
  if (const Json* daily = field(a, "daily"); daily && daily->is_array() && !daily->empty())
    out += "\nDaily (UTC; # completed, x failed, cancelled or timed out)\n" + render_trend(*daily);
  std::vector<std::vector<std::string>> top;
  if (const Json* list = field(a, "top_workflows"); list && list->is_array())
    for (const Json& w : *list)
      top.push_back({one_line(text_field(w, "workflow")), std::to_string(count(w, "runs")), percent(w, "success_rate"),
                     duration(w, "median_duration_ms")});
  if (!top.empty()) out += "\n" + render_table({"WORKFLOW", "RUNS", "SUCCESS", "MEDIAN"}, top);
  std::vector<std::vector<std::string>> agents;
  if (const Json* list = field(a, "agents"); list && list->is_array())
    for (const Json& g : *list)
      agents.push_back({one_line(text_field(g, "hostname")), std::to_string(count(g, "jobs")), format_duration_ms(count(g, "busy_ms"))});
  if (!agents.empty()) out += "\n" + render_table({"AGENT", "JOBS", "BUSY"}, agents);
  if (const Json* approvals = field(a, "approvals"); approvals && count(*approvals, "count") > 0)
    out += "\n" + render_table({"APPROVALS", "MEDIAN TO DECISION", "EXPIRED"},
                               {{std::to_string(count(*approvals, "count")), duration(*approvals, "median_decision_ms"),
                                 percent(*approvals, "expired_share")}});
  if (const Json* sent = field(a, "notifications"); sent && count(*sent, "count") > 0)
    out += "\n" + render_table({"NOTIFICATIONS", "DELIVERED", "DEAD-LETTERED"},
                               {{std::to_string(count(*sent, "count")), std::to_string(count(*sent, "delivered")),
                                 std::to_string(count(*sent, "dead_lettered"))}});
  return out;
}

void stats(const StatsOptions& o) {
  const auto ago = parse_duration_ms(o.since);
  if (!ago || *ago <= 0) fail(kExitUsage, fmt::format("--since {}: expected a duration such as 7d, 24h or 30m", o.since));
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  // The range ends where the service's does by default: now, its current millisecond included.
  std::string query = fmt::format("/analytics?from={}", now - *ago);
  if (!o.workflow.empty()) query += "&workflow=" + client::url_encode(o.workflow);
  ServiceConnection api(o.client);
  const Json answer = api.get(query);
  if (o.client.json()) return print_json(answer);
  fmt::print("{}", render(answer));
}

}  // namespace

void register_stats_commands(CLI::App& app) {
  auto options = std::make_shared<StatsOptions>();
  CLI::App* command = app.add_subcommand("stats", "Analytics: executions, success rate, durations, daily trend, top workflows");
  command->add_option("--since", options->since, "How far back: a duration such as 7d, 24h or 30m (default 7d; at most 366d)");
  command->add_option("--workflow", options->workflow, "Only this workflow's executions");
  add_client_options(command, options->client);
  command->callback([options] { stats(*options); });
}

}  // namespace wf::cli

// `wf audit` (SPEC §6, docs/api.md "Audit log"): the organization's audit log — who did what, and
// every request refused — as a table oldest to newest, filtered; `-f` goes on printing the rows
// recorded after it, polling once a second until interrupted.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/client/commands.h"
#include "cli/client/request_values.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct AuditOptions {
  ClientOptions client;
  std::string since, actor, action, resource, outcome;
  bool follow = false;
  int limit = 50;
};

// How often -f asks for new rows, and how many it reads per request while catching up.
constexpr auto kFollowInterval = std::chrono::seconds(1);
constexpr int kFollowPage = 1000;

// `--since`: milliseconds or an RFC 3339 time go to the service as given; a duration (`1h`,
// `30m`) is that long ago.
std::string since_value(const std::string& text) {
  const bool digits = std::all_of(text.begin(), text.end(), [](unsigned char ch) { return ch >= '0' && ch <= '9'; });
  if (digits) return text;
  if (auto ago = parse_duration_ms(text)) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    return std::to_string(now.count() - *ago);
  }
  return text;
}

// The filters' part of the query string, each parameter followed by '&'.
std::string filter_query(const AuditOptions& o) {
  std::string query;
  auto add = [&query](std::string_view name, const std::string& value) {
    if (!value.empty()) query += fmt::format("{}={}&", name, client::url_encode(value));
  };
  add("since", o.since.empty() ? "" : since_value(o.since));
  add("actor", o.actor);
  add("action", o.action);
  add("resource", o.resource);
  add("outcome", o.outcome);
  return query;
}

// "POST /instances/42/cancel": the template with its `{id}` filled in; a created resource's id
// after an arrow.
std::string request_text(const Json& row) {
  std::string path = text_field(row, "path");
  const std::string id = text_field(row, "resource_id");
  if (const size_t at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, id.empty() ? "{id}" : id);
  else if (!id.empty()) path += " -> " + id;
  return one_line(fmt::format("{} {}", text_field(row, "method"), path));
}

// The rows as a table (oldest first, as given), with or without its header line.
std::string render_rows(const std::vector<Json>& rows, bool header) {
  std::vector<std::vector<std::string>> cells;
  for (const Json& row : rows) {
    const std::string actor = text_field(row, "actor");
    const auto status = int_field(row, "status");
    cells.push_back({one_line(text_field(row, "at")), actor.empty() ? "-" : one_line(actor), one_line(text_field(row, "action")),
                     request_text(row), one_line(text_field(row, "outcome")), status ? std::to_string(*status) : "-",
                     one_line(text_field(row, "client"))});
  }
  std::string table = render_table({"TIME", "ACTOR", "ACTION", "REQUEST", "OUTCOME", "STATUS", "CLIENT"}, cells);
  if (!header) table.erase(0, table.find('\n') + 1);
  return table;
}

void print_rows(const std::vector<Json>& rows, bool json, bool header) {
  if (rows.empty()) return;
  if (json) {
    for (const Json& row : rows) fmt::print("{}\n", compact(row));
  } else {
    fmt::print("{}", render_rows(rows, header));
  }
  std::fflush(stdout);
}

// The items of a page answer, newest first as the service gives them.
std::vector<Json> items_of(const Json& answer) {
  const Json* items = &list_items(answer, "audit rows");
  return std::vector<Json>(items->begin(), items->end());
}

// The rows recorded after row `last`, oldest first: newest-first pages read until one reaches
// `last`, so that a burst larger than a page is not cut short.
std::vector<Json> rows_after(ServiceConnection& api, const std::string& filters, int64_t last) {
  std::vector<Json> fresh;
  std::string after;
  for (;;) {
    std::string query = fmt::format("?{}limit={}", filters, kFollowPage);
    if (!after.empty()) query += fmt::format("&after={}", client::url_encode(after));
    const Json answer = api.get("/audit" + query);
    bool reached = false;
    for (Json& row : items_of(answer)) {
      if (int_field(row, "id").value_or(0) <= last) {
        reached = true;
        break;
      }
      fresh.push_back(std::move(row));
    }
    // `next` is the cursor as a string (docs/api.md, "Lists").
    const std::string next = text_field(answer, "next");
    if (reached || next.empty()) break;
    after = next;
  }
  std::reverse(fresh.begin(), fresh.end());
  return fresh;
}

void audit(const AuditOptions& o) {
  ServiceConnection api(o.client);
  const std::string filters = filter_query(o);
  const Json answer = api.get(fmt::format("/audit?{}limit={}", filters, o.limit));
  std::vector<Json> rows = items_of(answer);
  std::reverse(rows.begin(), rows.end());
  int64_t last = rows.empty() ? 0 : int_field(rows.back(), "id").value_or(0);
  if (!o.follow) {
    if (o.client.json()) return print_json(Json(rows));
    if (rows.empty()) fmt::print(stderr, "(no audit rows)\n");
    return print_rows(rows, false, true);
  }
  print_rows(rows, o.client.json(), true);
  bool header = rows.empty();
  for (;;) {
    std::this_thread::sleep_for(kFollowInterval);
    const std::vector<Json> fresh = rows_after(api, filters, last);
    if (fresh.empty()) continue;
    print_rows(fresh, o.client.json(), header);
    header = false;
    last = int_field(fresh.back(), "id").value_or(last);
  }
}

}  // namespace

void register_audit_commands(CLI::App& app) {
  auto options = std::make_shared<AuditOptions>();
  CLI::App* command = app.add_subcommand("audit", "The audit log: who did what, and every request refused (oldest to newest)");
  command->add_option("--since", options->since, "Only rows from this time on: RFC 3339, ms since the epoch, or a duration ago (1h)");
  command->add_option("--actor", options->actor, "Only rows of this actor (a user's name, agent:HOST)");
  command->add_option("--action", options->action, "Only rows of this action (a permission, authenticate, agent.register)");
  command->add_option("--resource", options->resource, "Only rows of this resource (instances, definitions, jobs, ...)");
  command->add_option("--outcome", options->outcome, "Only rows with this outcome")->check(CLI::IsMember({"ok", "denied", "error"}));
  command->add_flag("-f,--follow", options->follow, "Go on printing new rows as they are recorded (every second, until Ctrl-C)");
  command->add_option("--limit", options->limit, "The newest this many rows (1 to 1000; default 50)")->check(CLI::Range(1, 1000));
  add_client_options(command, options->client);
  command->callback([options] { audit(*options); });
}

}  // namespace wf::cli

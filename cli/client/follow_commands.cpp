// `wf wait ID [--timeout D]` and `wf logs ID [-f]` (SPEC §6): block until an instance ends and
// exit as `wf run` would, and print an instance's execution log, following it live.
//
// Both follow the instance's event stream (instance_event_feed.h) and read the instance or its
// log again whenever an event says something changed; while the stream is down they poll every
// 500 ms. After the first answer, a service that goes away for a while (a restart) is waited for
// rather than given up on at once.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "cli/client/service_connection.h"
#include "cli/client/commands.h"
#include "cli/client/instance_event_feed.h"
#include "cli/client/instance_outcome.h"
#include "cli/client/request_values.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"

namespace wf::cli {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollInterval{500};
// With the stream up the instance is still read now and then, in case an event was lost.
constexpr std::chrono::milliseconds kCheckInterval{10'000};
// How long the service may stay unreachable before the command gives up.
constexpr std::chrono::seconds kLongestOutage{60};
constexpr int64_t kRequestTimeoutMs = 30'000;

struct WaitOptions {
  ClientOptions client;
  std::string id, timeout;
};

struct LogsOptions {
  ClientOptions client;
  std::string id;
  bool follow = false;
};

// GETs that, once patient, tolerate a service that is briefly away: nullopt while it is, a failed
// command once it has been away too long or when it answers with a 4xx. Before that every failure
// ends the command.
class PatientReader {
 public:
  explicit PatientReader(ServiceConnection& api, bool patient) : api_(api), patient_(patient) {}
  void become_patient() { patient_ = true; }

  std::optional<Json> get(const std::string& path, int64_t timeout_ms = kRequestTimeoutMs) {
    const client::HttpResult result = api_.send("GET", path, nullptr, timeout_ms);
    if (result.ok()) {
      if (in_outage_) fmt::print(stderr, "wf: the service answers again\n");
      in_outage_ = false;
      return ServiceConnection::parse_answer(result);
    }
    if (!patient_ || !ServiceConnection::is_transient(result)) api_.fail_request(result);
    const auto now = SteadyClock::now();
    if (!in_outage_) {
      in_outage_ = true;
      outage_started_ = now;
      fmt::print(stderr, "wf: the service does not answer ({}); still trying\n", result.describe());
    } else if (now - outage_started_ > kLongestOutage) {
      api_.fail_request(result);
    }
    return std::nullopt;
  }

 private:
  ServiceConnection& api_;
  bool patient_;
  bool in_outage_ = false;
  SteadyClock::time_point outage_started_{};
};

void wait(const WaitOptions& o) {
  const int64_t id = require_id(o.id, "instance");
  std::optional<SteadyClock::time_point> deadline;
  if (!o.timeout.empty()) {
    const auto ms = parse_duration_ms(o.timeout);
    if (!ms) fail(kExitUsage, fmt::format("--timeout \"{}\": expected a duration like 30s, 5m or 1h30m", o.timeout));
    deadline = SteadyClock::now() + std::chrono::milliseconds(*ms);
  }
  ServiceConnection api(o.client);
  const std::string path = fmt::format("/instances/{}", id);
  Json detail = api.get(path);  // the first answer must come: a wrong id or token ends here
  if (is_terminal_status(text_field(detail, "status"))) return finish_wait(detail, o.client.json());

  InstanceEventFeed feed(api.server(), api.token(), id);
  PatientReader reader(api, /*patient=*/true);
  bool streaming = false;
  auto last_check = SteadyClock::now();
  for (;;) {
    const auto now = SteadyClock::now();
    if (deadline && now >= *deadline) fail(kExitUsage, fmt::format("timed out waiting for instance {}", id));
    auto until = now + (streaming ? kCheckInterval : kPollInterval);
    if (deadline) until = std::min(until, *deadline);
    const InstanceEventFeed::News news = feed.wait(until);
    streaming = news.streaming;
    // Progress, but not of the status (a busy stream still gets a look now and then).
    if (news.events > 0 && !news.status_changed && SteadyClock::now() - last_check < kCheckInterval) continue;
    last_check = SteadyClock::now();

    int64_t timeout_ms = kRequestTimeoutMs;
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - SteadyClock::now()).count();
      timeout_ms = std::clamp<int64_t>(left, 1000, kRequestTimeoutMs);
    }
    if (auto fresh = reader.get(path, timeout_ms)) {
      detail = std::move(*fresh);
      if (is_terminal_status(text_field(detail, "status"))) return finish_wait(detail, o.client.json());
    }
  }
}

// Prints the log entries after `after` (all when nullopt), page by page; returns the last seq
// printed, or `after`. nullopt from `reader` (the service away) prints nothing more for now.
std::optional<int64_t> print_log(PatientReader& reader, int64_t id, std::optional<int64_t> after, bool json) {
  // Bounded: each page must move past the previous one, and there are at most this many.
  for (int page = 0; page < 100'000; ++page) {
    std::string path = fmt::format("/instances/{}/log", id);
    if (after) path += fmt::format("?after={}", *after);
    const std::optional<Json> answer = reader.get(path);
    if (!answer) return after;
    const Json* items = &list_items(*answer, "log entries");
    std::optional<int64_t> last = after;
    for (const Json& entry : *items) {
      const auto seq = int_field(entry, "seq");
      if (seq && after && *seq <= *after) continue;  // already printed
      if (json) fmt::print("{}\n", compact(entry));
      else fmt::print("{}\n", render_log_entry(entry));
      if (seq && (!last || *seq > *last)) last = seq;
    }
    std::fflush(stdout);
    if (items->empty() || last == after) return after;
    after = last;
  }
  return after;
}

void logs(const LogsOptions& o) {
  const int64_t id = require_id(o.id, "instance");
  ServiceConnection api(o.client);
  const std::string path = fmt::format("/instances/{}", id);
  // The first reads must succeed: a wrong id or token ends the command here.
  Json detail = o.follow ? api.get(path) : Json();
  PatientReader reader(api, /*patient=*/false);
  std::optional<int64_t> last = print_log(reader, id, std::nullopt, o.client.json());
  if (!o.follow || is_terminal_status(text_field(detail, "status"))) return;
  reader.become_patient();

  InstanceEventFeed feed(api.server(), api.token(), id);
  bool streaming = false;
  auto last_check = SteadyClock::now();
  for (;;) {
    const InstanceEventFeed::News news = feed.wait(SteadyClock::now() + (streaming ? kCheckInterval : kPollInterval));
    streaming = news.streaming;
    last = print_log(reader, id, last, o.client.json());
    if (news.events > 0 && !news.status_changed && SteadyClock::now() - last_check < kCheckInterval) continue;
    last_check = SteadyClock::now();
    if (auto fresh = reader.get(path); fresh && is_terminal_status(text_field(*fresh, "status"))) {
      print_log(reader, id, last, o.client.json());  // what the instance wrote as it ended
      return;
    }
  }
}

}  // namespace

void register_follow_commands(CLI::App& app) {
  auto wait_options = std::make_shared<WaitOptions>();
  CLI::App* wait_command = app.add_subcommand(
      "wait", "Wait until an instance ends; exit 0 completed, 1 failed, 3 cancelled, rejected or timed out");
  wait_command->add_option("id", wait_options->id, "The instance's id")->required();
  wait_command->add_option("--timeout", wait_options->timeout, "Give up (exit 2) after this long: 30s, 5m, 1h30m");
  add_client_options(wait_command, wait_options->client);
  wait_command->callback([wait_options] { wait(*wait_options); });

  auto logs_options = std::make_shared<LogsOptions>();
  CLI::App* logs_command = app.add_subcommand("logs", "Print an instance's execution log (--format json: one entry per line)");
  logs_command->add_option("id", logs_options->id, "The instance's id")->required();
  logs_command->add_flag("-f,--follow", logs_options->follow, "Follow the log live until the instance ends");
  add_client_options(logs_command, logs_options->client);
  logs_command->callback([logs_options] { logs(*logs_options); });
}

}  // namespace wf::cli

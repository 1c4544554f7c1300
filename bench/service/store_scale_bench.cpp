// Measures `wf serve` with a large store (docs/performance.md, "Large stores"): the first page of
// `GET /instances` (filtered by status, and not) with 1,000,000 instances stored, one client at a
// time and 100 clients at once (wrk), and a restart with 100,000 instances parked at an approval:
// how soon the port answers and how soon `/ready` does. The stores are seeded directly: one
// instance is run to its approval through the API, then its rows (instance, waits, timeline, log,
// approval request) are copied under new ids with SQL, which takes seconds where starting each
// would take minutes. One JSON line is printed per measurement and a Markdown summary at the end.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <stdio.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/service/bench_common.h"
#include "runtime/client/http_client.h"
#include "runtime/store/database.h"
#include "tests/runtime/service/service_fixture.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using wf::bench::BenchError;
using wf::bench::print_line;
using wf::bench::wrk_ms;
using wf::client::HttpClient;
using Clock = std::chrono::steady_clock;

struct Settings {
  int64_t list_instances = 1000000;  // instances in the store of the list measurements
  int64_t list_parked = 10000;       // of which parked at an approval (the rest completed)
  int64_t restart_parked = 100000;   // parked instances of the restart measurement
  int requests = 2000;               // sequential requests per single-client list measurement
  int clients = 100;                 // wrk connections
  int wrk_seconds = 10;
  std::string only;                  // list or restart
  bool keep = false;
};

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double percentile(std::vector<double> xs, double p) {
  if (xs.empty()) return 0;
  std::sort(xs.begin(), xs.end());
  const size_t k = std::min(xs.size() - 1, static_cast<size_t>(p * static_cast<double>(xs.size())));
  return xs[k];
}

constexpr const char* kParked = R"(
workflow parked(n: int) -> int {
  approve "Go on?"
  return n + 1
}
)";

// The columns of `table`, in order.
std::vector<std::string> columns(wf::store::Database& db, const std::string& table) {
  wf::store::Statement& s = db.prepare("PRAGMA table_info(" + table + ")");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.column_text(1));
  s.reset();
  return out;
}

void exec(wf::store::Database& db, const std::string& sql) {
  std::string error;
  if (!db.exec(sql, &error)) throw BenchError(fmt::format("{}: {}", sql.substr(0, 200), error));
}

// Copies the rows of `table` whose `key` is `id`, `copies` times, each column named in `replace`
// written as its expression of the copy's number n (1..copies).
void copy_rows(wf::store::Database& db, const std::string& table, const std::string& key, int64_t id, int64_t copies,
               const std::vector<std::pair<std::string, std::string>>& replace) {
  std::string names, values;
  for (const std::string& c : columns(db, table)) {
    std::string value = c;
    for (const auto& [name, expr] : replace)
      if (name == c) value = expr;
    names += (names.empty() ? "" : ", ") + c;
    values += (values.empty() ? "" : ", ") + value;
  }
  exec(db, fmt::format("WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {}) "
                       "INSERT INTO {} ({}) SELECT {} FROM k, (SELECT * FROM {} WHERE {} = {})",
                       copies, table, names, values, table, key, id));
}

// A data directory whose store holds `parked` instances waiting at an approval, then `ended`
// completed ones (their rows only, without a continuation), all copies of one run through the
// API. The ids follow one another, the parked ones first.
fs::path seed(int64_t parked, int64_t ended, const std::string& name) {
  const fs::path dir = wf::testing::make_temp_dir(name);
  wf::testing::Service service(dir);
  if (!service.start()) throw BenchError("wf serve did not start:\n" + service.log());
  auto api = service.admin();
  if (wf::testing::push(*api, "parked.wf", kParked) != "parked") throw BenchError("the push failed");
  const int64_t id = wf::testing::start(*api, "parked", {{"params", {{"n", 41}}}});
  if (wf::testing::wait_status(*api, id, [](const json& d) { return d.value("status", "") == "paused"; }).value("status", "") !=
      "paused")
    throw BenchError("the seed instance did not park");
  service.stop();
  const auto t0 = Clock::now();
  std::string error;
  auto db = wf::store::Database::open((dir / "data" / "wf.db").string(), {}, error);
  if (!db) throw BenchError(error);
  exec(*db, "BEGIN");
  const std::string instance = fmt::format("{} + n", id);
  wf::store::Statement& largest = db->prepare("SELECT MAX(id) FROM approvals");
  const int64_t last_approval = largest.step() ? largest.column_int64(0) : 0;
  largest.reset();
  if (parked > 0) {
    copy_rows(*db, "instances", "id", id, parked, {{"id", instance}});
    for (const char* table : {"waits", "steps", "instance_log"}) copy_rows(*db, table, "instance_id", id, parked, {{"instance_id", instance}});
    copy_rows(*db, "approvals", "instance_id", id, parked, {{"id", fmt::format("{} + n", last_approval)}, {"instance_id", instance}});
  }
  if (ended > 0)
    copy_rows(*db, "instances", "id", id, ended,
              {{"id", fmt::format("{} + {} + n", id, parked)},
               {"status", "'completed'"},
               {"pause_reason", "NULL"},
               {"ended_at", "created_at + 1000"},
               {"result", "'42'"},
               {"continuation", "NULL"},
               {"checkpoint", "NULL"}});
  exec(*db, "COMMIT");
  print_line({{"measurement", "seed"}, {"parked", parked}, {"ended", ended}, {"seconds", ms_since(t0) / 1000}});
  return dir;
}

// `count` sequential GETs of `path`; their latencies in ms.
std::vector<double> sequential(HttpClient& api, const std::string& path, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i) {
    const auto t = Clock::now();
    auto r = api.get(path);
    out.push_back(ms_since(t));
    if (!r.ok()) throw BenchError(fmt::format("GET {}: {}", path, r.describe()));
  }
  return out;
}

struct Row {
  std::string what, figure, target;
  bool met;
};

void measure_lists(const Settings& s, std::vector<Row>& rows) {
  const fs::path dir = seed(s.list_parked, s.list_instances - s.list_parked - 1, "wf-scale-list");
  wf::testing::Service service(dir);
  const auto t0 = Clock::now();
  if (!service.start()) throw BenchError("wf serve did not start:\n" + service.log());
  print_line({{"measurement", "start_with_list_store"}, {"instances", s.list_instances}, {"ready_ms", ms_since(t0)}});
  auto api = service.admin();
  struct Form {
    std::string path, what;
  };
  const std::vector<Form> forms = {
      {"/api/v1/instances?status=paused", "first page, status=paused"},
      {"/api/v1/instances?status=completed", "first page, status=completed"},
      {"/api/v1/instances", "first page, no filter"},
      {fmt::format("/api/v1/instances?status=completed&after={}", s.list_instances / 2), "a page in the middle (after=)"},
      {"/api/v1/instances?workflow=parked&status=paused&trigger=manual", "first page, three filters"},
  };
  for (const Form& f : forms) {
    sequential(*api, f.path, 50);  // warm the page cache
    const std::vector<double> ms = sequential(*api, f.path, s.requests);
    const double p50 = percentile(ms, 0.5), p99 = percentile(ms, 0.99);
    print_line({{"measurement", "list_instances"}, {"path", f.path}, {"instances", s.list_instances}, {"requests", s.requests},
                {"p50_ms", p50}, {"p99_ms", p99}});
    rows.push_back({fmt::format("GET /instances {}, {} stored, one client", f.what, s.list_instances),
                    fmt::format("p50 {:.2f} ms, p99 {:.2f} ms", p50, p99), "p99 ≤ 5 ms", p99 <= 5.0});
  }
  {
    const auto t = Clock::now();
    auto r = api->get("/api/v1/instances?status=completed&count=true&limit=1");
    const double ms = ms_since(t);
    print_line({{"measurement", "list_instances_count"}, {"instances", s.list_instances}, {"ms", ms},
                {"total", wf::testing::body_json(r).value("total", int64_t{-1})}});
    rows.push_back({"the same with `count=true` (status=completed)", fmt::format("{:.0f} ms", ms), "—", true});
  }
  if (::system("command -v wrk > /dev/null 2>&1") == 0) {
    const std::string command =
        fmt::format("wrk -t2 -c{} -d{}s --latency -H 'Authorization: Bearer {}' '{}/api/v1/instances?status=paused' 2>&1", s.clients,
                    s.wrk_seconds, service.admin_token(), service.url());
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) throw BenchError("cannot run wrk");
    std::string output;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    ::pclose(pipe);
    double rps = 0, non2xx = 0;
    std::optional<double> p50, p99;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::string first, second;
      words >> first >> second;
      if (first == "Requests/sec:") rps = std::strtod(second.c_str(), nullptr);
      if (first == "50%") p50 = wrk_ms(second);
      if (first == "99%") p99 = wrk_ms(second);
      if (first == "Non-2xx") non2xx += std::strtod(line.substr(line.find(':') + 1).c_str(), nullptr);
    }
    if (!p99) throw BenchError("wrk failed:\n" + output);
    print_line({{"measurement", "list_instances_wrk"}, {"connections", s.clients}, {"parked", s.list_parked},
                {"instances", s.list_instances}, {"requests_per_second", rps}, {"p50_ms", p50 ? json(*p50) : json()},
                {"p99_ms", *p99}, {"non_2xx", non2xx}});
    rows.push_back({fmt::format("GET /instances?status=paused, {} clients (wrk), {} parked among {}", s.clients, s.list_parked,
                                s.list_instances),
                    fmt::format("{:.0f} req/s, p50 {:.2f} ms, p99 {:.2f} ms", rps, p50.value_or(0), *p99), "p99 ≤ 50 ms",
                    *p99 <= 50.0 && non2xx == 0});
  } else {
    print_line({{"measurement", "list_instances_wrk"}, {"skipped", "wrk is not installed"}});
  }
  service.stop();
  std::error_code ec;
  if (!s.keep) fs::remove_all(dir, ec);
}

void measure_restart(const Settings& s, std::vector<Row>& rows) {
  const fs::path dir = seed(s.restart_parked, 0, "wf-scale-restart");
  wf::testing::Service service(dir);
  HttpClient probe(service.url());
  const auto t0 = Clock::now();
  if (!service.start(false)) throw BenchError("wf serve did not start:\n" + service.log());
  // start(false) returns once the port answers; its first answer is the listening figure.
  const double listening = ms_since(t0);
  bool saw_not_ready = false;
  while (true) {
    auto r = probe.get("/api/v1/ready", 5000);
    if (r.ok()) break;
    saw_not_ready = saw_not_ready || r.status == 503;
    if (ms_since(t0) > 120000) throw BenchError("not ready after 120 s:\n" + service.log());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double ready = ms_since(t0);
  // Every instance is back: the last one goes on when approved.
  auto api = service.admin();
  auto live = api->get("/metrics").body;
  const bool all_live = live.find(fmt::format("wf_live_instances {}", s.restart_parked + 1)) != std::string::npos;
  print_line({{"measurement", "restart_parked"}, {"parked", s.restart_parked + 1}, {"listening_ms", listening},
              {"ready_ms", ready}, {"answered_not_ready", saw_not_ready}, {"all_live", all_live}});
  rows.push_back({fmt::format("restart with {} parked instances: the port answers", s.restart_parked + 1),
                  fmt::format("{:.0f} ms", listening), "≤ 1 s", listening <= 1000});
  rows.push_back({fmt::format("restart with {} parked instances: `/ready` answers 200", s.restart_parked + 1),
                  fmt::format("{:.0f} ms (all live: {})", ready, all_live ? "yes" : "NO"), "≤ 10 s", ready <= 10000 && all_live});
  // A scrape of /metrics with every one of them live: 200 in a row, after 20 to warm up.
  std::vector<double> scrapes;
  for (int i = 0; i < 220; ++i) {
    const auto s0 = Clock::now();
    if (api->get("/metrics").status != 200) throw BenchError("/metrics failed");
    if (i >= 20) scrapes.push_back(ms_since(s0));
  }
  std::sort(scrapes.begin(), scrapes.end());
  const double p50 = scrapes[scrapes.size() / 2], p99 = scrapes[scrapes.size() * 99 / 100];
  print_line({{"measurement", "metrics_scrape"}, {"live", s.restart_parked + 1}, {"p50_ms", p50}, {"p99_ms", p99}});
  rows.push_back({fmt::format("`GET /metrics` with {} live instances", s.restart_parked + 1), fmt::format("p50 {:.2f} ms, p99 {:.2f} ms", p50, p99),
                  "≤ 10 ms", p99 <= 10});
  service.stop();
  std::error_code ec;
  if (!s.keep) fs::remove_all(dir, ec);
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Measures `wf serve` with a large store: list latency and restart time (docs/performance.md)."};
  app.add_option("--list-instances", s.list_instances, "instances stored for the list measurements")->check(CLI::Range(int64_t{2}, int64_t{100000000}));
  app.add_option("--list-parked", s.list_parked, "of which parked at an approval")->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  app.add_option("--restart-parked", s.restart_parked, "parked instances for the restart")->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  app.add_option("--requests", s.requests, "sequential requests per list measurement")->check(CLI::Range(10, 1000000));
  app.add_option("--clients", s.clients, "wrk connections")->check(CLI::Range(1, 10000));
  app.add_option("--wrk-seconds", s.wrk_seconds, "length of the wrk run")->check(CLI::Range(1, 600));
  app.add_option("--only", s.only, "list or restart")->check(CLI::IsMember({"list", "restart"}));
  app.add_flag("--keep", s.keep, "keep the data directories");
  CLI11_PARSE(app, argc, argv);
  if (s.list_parked >= s.list_instances) s.list_parked = s.list_instances - 1;
  std::vector<Row> rows;
  try {
    if (s.only.empty() || s.only == "list") measure_lists(s, rows);
    if (s.only.empty() || s.only == "restart") measure_restart(s, rows);
  } catch (const std::exception& e) {
    fmt::print(stderr, "store_scale_bench: {}\n", e.what());
    return 2;
  }
  fmt::print("\n| measurement | figure | target | met |\n|---|---|---|---|\n");
  for (const Row& r : rows) fmt::print("| {} | {} | {} | {} |\n", r.what, r.figure, r.target, r.met ? "yes" : "no");
  return 0;
}

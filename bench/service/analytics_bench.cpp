// How long the analytics report (store/analytics.h, `GET /analytics`) takes over a large store:
// 1,000,000 instances created over 30 days across 50 workflows with mixed outcomes, 100,000 jobs
// on 20 agents and 20,000 approval requests, seeded with SQL through the store's connection (bench
// code may; the service never does). The report is read for the last 7 days, the whole 30 and one
// workflow over 30, and 30 days from an hour that is not midnight (whole days come from the
// summary the store keeps, the parts of days at the ends from the instances), each several times
// on a warm cache. Prints one JSON line per measurement.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/service/bench_common.h"
#include "runtime/store/analytics.h"
#include "runtime/store/database.h"
#include "runtime/store/migrations.h"
#include "runtime/store/schema.h"

namespace {

using namespace wf::bench;
using wf::store::Database;
namespace analytics = wf::store::analytics;
using Clock = std::chrono::steady_clock;

constexpr int64_t kEnd = 1767571200000;  // 2026-01-05T00:00:00Z: the range's end
constexpr int64_t kDays = 30;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void exec(Database& db, const std::string& sql) {
  std::string error;
  if (!db.exec(sql, &error)) throw BenchError(fmt::format("{}: {}", error, sql.substr(0, 200)));
}

// The rows, each table in one statement over a counter: instance i is created at an even spread
// over the 30 days, of workflow i % 50, ending (mostly) completed after a duration that varies.
void seed(Database& db, int64_t instances) {
  const int64_t start = kEnd - kDays * analytics::kDayMs;
  exec(db, "INSERT INTO orgs (id, name, enrollment_secret, created_at) VALUES (1, 'main', 's', 0)");
  exec(db, "BEGIN");
  exec(db, fmt::format(
               "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {0}) "
               "INSERT INTO instances (id, org_id, definition_id, version, workflow, module_hash, status, params, targets, "
               "created_at, started_at, ended_at) "
               "SELECT i, 1, i % 50 + 1, 1, 'workflow' || (i % 50), 'h', "
               "CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 97 = 0 THEN 'cancelled' WHEN i % 331 = 0 THEN 'timeout' "
               "WHEN i % 1000 = 0 THEN 'paused' ELSE 'completed' END, '{{}}', '{{}}', "
               "{1} + i * {2}, {1} + i * {2} + 10, "
               "CASE WHEN i % 1000 = 0 THEN NULL ELSE {1} + i * {2} + 10 + (i * 7919) % 600000 END FROM k",
               instances, start, kDays * analytics::kDayMs / instances));
  exec(db, fmt::format(
               "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 20) "
               "INSERT INTO agents (id, org_id, hostname, ip, os, registered_at) SELECT i, 1, 'host' || i, '10.0.0.1', 'linux', 0 FROM k"));
  exec(db, fmt::format(
               "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {0}) "
               "INSERT INTO jobs (id, org_id, instance_id, effect_seq, host_index, host, spec, description, priority, status, "
               "scheduled_at, started_at, ended_at, agent_id, duration_ms) "
               "SELECT i, 1, i * 10, 1, 0, 'host' || (i % 20 + 1), '{{}}', '', 1, 'completed', "
               "{1} + i * {2}, {1} + i * {2}, {1} + i * {2} + 5000, i % 20 + 1, 5000 FROM k",
               instances / 10, start, kDays * analytics::kDayMs / (instances / 10)));
  exec(db, fmt::format(
               "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {0}) "
               "INSERT INTO approvals (id, org_id, instance_id, effect_seq, title, quorum, approvers, status, created_at, decided_at) "
               "SELECT i, 1, i * 50, 1, 'Go?', 'any', '[]', CASE WHEN i % 10 = 0 THEN 'expired' ELSE 'approved' END, "
               "{1} + i * {2}, {1} + i * {2} + (i * 31) % 3600000 FROM k",
               instances / 50, start, kDays * analytics::kDayMs / (instances / 50)));
  exec(db, "COMMIT");
}

void measure(Database& db, const std::string& name, const analytics::Range& range, int runs) {
  std::vector<double> took;
  int64_t executions = 0;
  for (int i = 0; i < runs + 1; ++i) {
    const auto t0 = Clock::now();
    auto report = analytics::report(db, 1, range);
    const double ms = ms_since(t0);
    if (!report.ok()) throw BenchError(report.error());
    executions = report->executions;
    if (i > 0) took.push_back(ms);  // the first warms the cache
  }
  std::sort(took.begin(), took.end());
  print_line({{"measurement", name}, {"executions", executions}, {"runs", runs}, {"p50_ms", took[took.size() / 2]}, {"max_ms", took.back()}});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"analytics report over a large store"};
  int64_t instances = 1000000;
  int runs = 10;
  std::string parent = std::filesystem::temp_directory_path().string();
  app.add_option("--instances", instances, "instances to seed (default 1,000,000)");
  app.add_option("--runs", runs, "reports per measurement (default 10)");
  app.add_option("--dir", parent, "where the scratch store goes");
  CLI11_PARSE(app, argc, argv);
  std::string pattern = (std::filesystem::path(parent) / "wf-analytics-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return 2;
  const std::filesystem::path dir = pattern;
  int code = 0;
  try {
    std::string error;
    auto db = Database::open((dir / "wf.db").string(), {}, error);
    if (!db || !wf::store::migrate(*db, wf::store::service_migrations(), error)) throw BenchError(error);
    const auto t0 = Clock::now();
    seed(*db, instances);
    print_line({{"measurement", "seed"}, {"instances", instances}, {"seconds", ms_since(t0) / 1000}});
    measure(*db, "analytics_7_days", {kEnd - 7 * analytics::kDayMs, kEnd, ""}, runs);
    measure(*db, "analytics_30_days", {kEnd - kDays * analytics::kDayMs, kEnd, ""}, runs);
    measure(*db, "analytics_30_days_one_workflow", {kEnd - kDays * analytics::kDayMs, kEnd, "workflow7"}, runs);
    // As `wf stats --since 30d` asks at 11:00 UTC: parts of days at both ends, read row by row.
    constexpr int64_t kHourMs = 3600000;
    measure(*db, "analytics_30_days_from_11h", {kEnd - kDays * analytics::kDayMs + 13 * kHourMs, kEnd - 11 * kHourMs, ""}, runs);
  } catch (const BenchError& e) {
    std::fprintf(stderr, "analytics bench: %s\n", e.what());
    code = 2;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return code;
}

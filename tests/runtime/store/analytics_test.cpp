// The analytics report (store/analytics.h) over a fixture of known instances, jobs and approvals
// spread over several UTC days, with rows outside the range and of another organization that must
// not count: exact totals, rates, average and medians, the daily trend, the top workflows, the
// agents' utilization, the approvals and the notifications, for every workflow and for one; the
// same figures from the summary of whole days as from the instances row by row, through every
// change of an instance. And none of the report's statements scans a whole table.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "runtime/store/agents.h"
#include "runtime/store/analytics.h"
#include "runtime/store/changes.h"
#include "runtime/store/definitions.h"
#include "runtime/store/migrations.h"
#include "runtime/store/schema.h"
#include "tests/runtime/store/temp_dir.h"

namespace wf::store {
namespace {

using testing::TempDir;
using namespace analytics;

constexpr int64_t kHour = 3600000;
constexpr int64_t kDay0 = 1767571200000;  // 2026-01-05T00:00:00Z
constexpr int64_t kDay1 = kDay0 + kDayMs, kDay2 = kDay1 + kDayMs, kDay3 = kDay2 + kDayMs;

class Analytics : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    std::string error;
    db_ = Database::open(dir_.file("wf.db"), {}, error);
    ASSERT_NE(db_, nullptr) << error;
    ASSERT_TRUE(migrate(*db_, service_migrations(), error)) << error;
    for (int64_t org : {1, 2}) ASSERT_TRUE(orgs::create(*db_, OrgRow{org, "org" + std::to_string(org), "secret"}, kDay0, error)) << error;
    seed();
  }

  // An instance of `workflow` created at `created`; ended `took` ms after it started (a second after
  // creation, or at creation when `started` is false) when `status` has ended.
  void instance(int64_t id, const std::string& workflow, InstanceStatus status, int64_t created, int64_t took, bool started = true,
                int64_t org = 1) {
    InstanceRow r;
    r.id = id;
    r.org_id = org;
    r.definition_id = 1;
    r.version = 1;
    r.workflow = workflow;
    r.module_hash = "h";
    r.status = status;
    r.created_at = created;
    if (started) r.started_at = created + 1000;
    if (is_terminal(status)) r.ended_at = (started ? created + 1000 : created) + took;
    changes_.instances.push_back(r);
  }
  void job(int64_t id, std::optional<int64_t> instance, std::optional<int64_t> agent, std::optional<int64_t> ended,
           std::optional<int64_t> duration, int64_t started_before_end = 0) {
    JobRow j;
    j.id = id;
    j.org_id = 1;
    j.instance_id = instance;
    j.effect_seq = id;
    j.host_index = 0;
    j.host = "h";
    j.status = ended ? JobStatus::Completed : JobStatus::Queued;
    j.scheduled_at = kDay0;
    j.agent_id = agent;
    j.ended_at = ended;
    if (ended) j.started_at = *ended - started_before_end;
    j.duration_ms = duration;
    changes_.jobs.push_back(j);
  }
  void approval(int64_t id, int64_t instance, ApprovalStatus status, int64_t created, std::optional<int64_t> waited) {
    ApprovalRow a;
    a.id = id;
    a.org_id = 1;
    a.instance_id = instance;
    a.effect_seq = static_cast<uint64_t>(id);
    a.title = "Go?";
    a.quorum = "any";
    a.status = status;
    a.created_at = created;
    if (waited) a.decided_at = created + *waited;
    changes_.approvals.push_back(a);
  }
  void notification(int64_t id, const std::string& workflow, NotificationStatus status, int64_t created, int64_t org = 1) {
    NotificationRow n;
    n.id = id;
    n.org_id = org;
    n.instance_id = 1;
    n.workflow = workflow;
    n.channel = "webhook:ops";
    n.message = "done";
    n.created_at = created;
    n.status = status;
    changes_.notifications.push_back(n);
  }
  void definition(const std::string& name, bool active) {
    NewVersion v;
    v.name = name;
    v.source = "x";
    v.file = "x.wf";
    v.files = "{}";
    v.module_hash = name;
    int64_t id = 0, version = 0;
    bool unchanged = false;
    std::string error;
    ASSERT_TRUE(definitions::add_version(*db_, 1, v, kDay0, id, version, unchanged, error)) << error;
    if (!active) {
      ASSERT_TRUE(definitions::update(*db_, 1, id, std::nullopt, std::nullopt, false, kDay0, error)) << error;
    }
  }
  int64_t enroll(const std::string& host) {
    AgentRow a;
    a.org_id = 1;
    a.hostname = host;
    a.ip = "10.0.0.1";
    a.os = "linux";
    int64_t id = 0;
    std::string error;
    EXPECT_TRUE(agents::enroll(*db_, 1, a, "hash-" + host, kDay0, id, error)) << error;
    return id;
  }

  void seed() {
    using S = InstanceStatus;
    instance(1, "deploy", S::Completed, kDay0 + 1 * kHour, 10000);
    instance(2, "deploy", S::Completed, kDay0 + 2 * kHour, 20000);
    instance(3, "deploy", S::Failed, kDay0 + 3 * kHour, 30000);
    instance(4, "backup", S::Completed, kDay0 + 4 * kHour, 5000, false);
    instance(5, "deploy", S::Completed, kDay1 + 1 * kHour, 40000);
    instance(6, "backup", S::Timeout, kDay1 + 2 * kHour, 60000);
    instance(7, "backup", S::Cancelled, kDay1 + 3 * kHour, 1000);
    instance(8, "deploy", S::Running, kDay1 + 4 * kHour, 0);
    instance(9, "cleanup", S::Completed, kDay2 + 1 * kHour, 2000);
    instance(10, "deploy", S::Failed, kDay2 + 2 * kHour, 50000);
    instance(11, "deploy", S::Completed, kDay3 + 1 * kHour, 7);  // after the range
    instance(12, "deploy", S::Failed, kDay0 - 1 * kHour, 7);     // before it
    instance(13, "deploy", S::Completed, kDay0 + 5 * kHour, 7, true, 2);  // another organization's
    definition("deploy", true);
    definition("backup", false);
    definition("cleanup", true);
    definition("idle", true);  // active, but no run in the range
    web1_ = enroll("web1");
    web2_ = enroll("web2");
    job(1, 1, web1_, kDay0 + 2 * kHour, 1000);
    job(2, 4, web1_, kDay1, 3000);
    job(3, 5, web2_, kDay2, std::nullopt, 500);  // no agent timing: its start to its end
    job(4, 1, web1_, kDay3 + 1, 9999);           // ended after the range
    job(5, 8, std::nullopt, std::nullopt, std::nullopt);  // still queued
    using A = ApprovalStatus;
    approval(1, 1, A::Approved, kDay0 + kHour, 60000);
    approval(2, 2, A::Rejected, kDay0 + 2 * kHour, 120000);
    approval(3, 6, A::Expired, kDay1, 3600000);
    approval(4, 8, A::Pending, kDay1 + kHour, std::nullopt);
    approval(5, 9, A::Approved, kDay2, 30000);
    approval(6, 10, A::Approved, kDay3, 1);  // after the range
    using N = NotificationStatus;
    notification(1, "deploy", N::Delivered, kDay0 + kHour);
    notification(2, "deploy", N::Delivered, kDay1);
    notification(3, "backup", N::Dead, kDay1 + kHour);
    notification(4, "backup", N::Pending, kDay2);
    notification(5, "deploy", N::Delivered, kDay3);            // after the range
    notification(6, "deploy", N::Dead, kDay0 + kHour, 2);  // another organization's
    std::string error;
    ASSERT_TRUE(write_changes(*db_, changes_, error)) << error;
  }

  Report read(const std::string& workflow = "") {
    auto r = report(*db_, 1, Range{kDay0, kDay3, workflow});
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? *r : Report{};
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  Changes changes_;
  int64_t web1_ = 0, web2_ = 0;
};

TEST_F(Analytics, TotalsRatesAndDurationsAreExact) {
  const Report r = read();
  EXPECT_EQ(r.executions, 10);
  EXPECT_EQ(r.by_status.at("completed"), 5);
  EXPECT_EQ(r.by_status.at("failed"), 2);
  EXPECT_EQ(r.by_status.at("timeout"), 1);
  EXPECT_EQ(r.by_status.at("cancelled"), 1);
  EXPECT_EQ(r.by_status.at("running"), 1);
  EXPECT_EQ(r.by_status.at("queued"), 0);
  ASSERT_TRUE(r.success_rate);
  EXPECT_DOUBLE_EQ(*r.success_rate, 5.0 / 9.0);
  ASSERT_TRUE(r.average_duration_ms && r.median_duration_ms);
  EXPECT_DOUBLE_EQ(*r.average_duration_ms, 218000.0 / 9.0);
  EXPECT_DOUBLE_EQ(*r.median_duration_ms, 20000);
  EXPECT_EQ(r.active_workflows, 2);  // deploy and cleanup; backup is inactive, idle has not run
}

TEST_F(Analytics, TheDailyTrendHasEveryDayOfTheRange) {
  const Report r = read();
  ASSERT_EQ(r.daily.size(), 3u);
  EXPECT_EQ(r.daily[0].start_ms, kDay0);
  EXPECT_EQ(r.daily[2].start_ms, kDay2);
  auto same = [](const Ended& e, int64_t completed, int64_t failed, int64_t cancelled, int64_t timeout) {
    return e.completed == completed && e.failed == failed && e.cancelled == cancelled && e.timeout == timeout;
  };
  EXPECT_TRUE(same(r.daily[0].ended, 3, 1, 0, 0));
  EXPECT_TRUE(same(r.daily[1].ended, 1, 0, 1, 1));
  EXPECT_TRUE(same(r.daily[2].ended, 1, 1, 0, 0));
}

TEST_F(Analytics, TopWorkflowsAreRankedByRunsWithTheirRatesAndMedians) {
  const Report r = read();
  ASSERT_EQ(r.top_workflows.size(), 3u);
  EXPECT_EQ(r.top_workflows[0].workflow, "deploy");
  EXPECT_EQ(r.top_workflows[0].runs, 6);
  EXPECT_DOUBLE_EQ(*r.top_workflows[0].success_rate, 0.6);
  EXPECT_DOUBLE_EQ(*r.top_workflows[0].median_duration_ms, 30000);
  EXPECT_EQ(r.top_workflows[1].workflow, "backup");
  EXPECT_EQ(r.top_workflows[1].runs, 3);
  EXPECT_DOUBLE_EQ(*r.top_workflows[1].success_rate, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(*r.top_workflows[1].median_duration_ms, 5000);
  EXPECT_EQ(r.top_workflows[2].workflow, "cleanup");
  EXPECT_DOUBLE_EQ(*r.top_workflows[2].success_rate, 1);
  EXPECT_DOUBLE_EQ(*r.top_workflows[2].median_duration_ms, 2000);
  auto two = report(*db_, 1, Range{kDay0, kDay3, ""}, 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->top_workflows.size(), 2u);
}

TEST_F(Analytics, AgentsAndApprovals) {
  const Report r = read();
  ASSERT_EQ(r.agents.size(), 2u);
  EXPECT_EQ(r.agents[0].agent_id, web1_);
  EXPECT_EQ(r.agents[0].hostname, "web1");
  EXPECT_EQ(r.agents[0].jobs, 2);
  EXPECT_EQ(r.agents[0].busy_ms, 4000);
  EXPECT_EQ(r.agents[1].hostname, "web2");
  EXPECT_EQ(r.agents[1].jobs, 1);
  EXPECT_EQ(r.agents[1].busy_ms, 500);
  EXPECT_EQ(r.approvals.count, 5);
  EXPECT_DOUBLE_EQ(*r.approvals.median_decision_ms, 60000);
  EXPECT_DOUBLE_EQ(*r.approvals.expired_share, 0.2);
}

TEST_F(Analytics, NotificationsByWhatBecameOfThem) {
  Report r = read();
  EXPECT_EQ(r.notifications.count, 4);
  EXPECT_EQ(r.notifications.delivered, 2);
  EXPECT_EQ(r.notifications.dead_lettered, 1);
  r = read("backup");
  EXPECT_EQ(r.notifications.count, 2);
  EXPECT_EQ(r.notifications.delivered, 0);
  EXPECT_EQ(r.notifications.dead_lettered, 1);
}

TEST_F(Analytics, OneWorkflowsReport) {
  const Report r = read("deploy");
  EXPECT_EQ(r.executions, 6);
  EXPECT_DOUBLE_EQ(*r.success_rate, 0.6);
  EXPECT_DOUBLE_EQ(*r.median_duration_ms, 30000);
  ASSERT_EQ(r.top_workflows.size(), 1u);
  ASSERT_EQ(r.agents.size(), 2u);
  EXPECT_EQ(r.agents[0].jobs, 1);
  EXPECT_EQ(r.agents[0].busy_ms, 1000);
  EXPECT_EQ(r.agents[1].busy_ms, 500);
  EXPECT_EQ(r.approvals.count, 3);
  EXPECT_DOUBLE_EQ(*r.approvals.median_decision_ms, 90000);
  EXPECT_DOUBLE_EQ(*r.approvals.expired_share, 0);
}

TEST_F(Analytics, AnEmptyRangeHasNoRates) {
  auto r = report(*db_, 1, Range{kDay3 + kDayMs, kDay3 + 2 * kDayMs, ""});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->executions, 0);
  EXPECT_FALSE(r->success_rate || r->median_duration_ms || r->average_duration_ms || r->approvals.expired_share);
  EXPECT_EQ(r->daily.size(), 1u);
}

// An instance's row changes as it runs, and a failed one can be retried: it counts once, in its
// last status, with its last duration, in the summary whole days are read from.
TEST_F(Analytics, AnInstanceCountsOnceInItsLastStatusThroughEveryChange) {
  using S = InstanceStatus;
  std::string error;
  auto write = [&](InstanceStatus status, int64_t took) {
    changes_ = Changes{};
    instance(20, "rerun", status, kDay1 + 5 * kHour, took);
    ASSERT_TRUE(write_changes(*db_, changes_, error)) << error;
  };
  write(S::Queued, 0);
  write(S::Running, 0);
  write(S::Failed, 111000);
  Report r = read("rerun");
  EXPECT_EQ(r.executions, 1);
  EXPECT_EQ(r.by_status.at("failed"), 1);
  EXPECT_DOUBLE_EQ(*r.median_duration_ms, 111000);
  write(S::Running, 0);  // retried
  r = read("rerun");
  EXPECT_EQ(r.by_status.at("failed"), 0);
  EXPECT_EQ(r.by_status.at("running"), 1);
  EXPECT_FALSE(r.median_duration_ms);
  ASSERT_EQ(r.top_workflows.size(), 1u);
  EXPECT_FALSE(r.top_workflows[0].success_rate);
  write(S::Completed, 222000);
  r = read("rerun");
  EXPECT_EQ(r.executions, 1);
  EXPECT_EQ(r.by_status.at("completed"), 1);
  EXPECT_EQ(r.by_status.at("running"), 0);
  EXPECT_DOUBLE_EQ(*r.median_duration_ms, 222000);
  EXPECT_DOUBLE_EQ(*r.average_duration_ms, 222000);
  EXPECT_EQ(r.daily[1].ended.completed, 1);
  EXPECT_EQ(r.daily[1].ended.failed, 0);
  // The rest of the organization's figures moved by exactly this one execution.
  EXPECT_EQ(read().executions, 11);
}

// Any range — whole days, parts of days at either end, one day's middle — with or without a
// workflow gives what the instances' own rows give: random instances over a week, written in
// several units where rows change status and end (and some are retried), against a count made
// here from the rows' last states.
TEST_F(Analytics, AnyRangeAgreesWithTheInstancesThemselves) {
  std::string error;
  ASSERT_TRUE(orgs::create(*db_, OrgRow{3, "org3", "secret"}, kDay0, error)) << error;
  struct Row {
    std::string workflow;
    InstanceStatus status;
    int64_t created, took;
    bool started;
  };
  std::map<int64_t, Row> rows;
  std::mt19937_64 random(20261207);
  const std::vector<std::string> names = {"alpha", "beta", "gamma"};
  const std::vector<InstanceStatus> statuses = {InstanceStatus::Running,   InstanceStatus::Paused,    InstanceStatus::Completed,
                                                InstanceStatus::Completed, InstanceStatus::Completed, InstanceStatus::Failed,
                                                InstanceStatus::Cancelled, InstanceStatus::Timeout};
  auto put = [&](int64_t id, const Row& row) {
    rows[id] = row;
    InstanceRow r;
    r.id = id;
    r.org_id = 3;
    r.definition_id = 1;
    r.version = 1;
    r.workflow = row.workflow;
    r.module_hash = "h";
    r.status = row.status;
    r.created_at = row.created;
    if (row.started) r.started_at = row.created + 1000;
    if (is_terminal(row.status)) r.ended_at = (row.started ? row.created + 1000 : row.created) + row.took;
    changes_.instances.push_back(r);
  };
  for (int unit = 0; unit < 6; ++unit) {
    changes_ = Changes{};
    for (int i = 0; i < 150; ++i) {
      const int64_t id = 1000 + static_cast<int64_t>(random() % 700);  // several units touch the same ids
      Row row;
      auto known = rows.find(id);
      row.workflow = known != rows.end() ? known->second.workflow : names[random() % names.size()];
      row.created = known != rows.end() ? known->second.created : kDay0 + static_cast<int64_t>(random() % (7 * kDayMs));
      row.status = statuses[random() % statuses.size()];
      row.took = static_cast<int64_t>(random() % 100000);
      row.started = random() % 5 != 0;
      put(id, row);
    }
    ASSERT_TRUE(write_changes(*db_, changes_, error)) << error;
  }
  auto expect_agreement = [&](int64_t from, int64_t to, const std::string& workflow) {
    const std::string where = fmt::format("[{}, {}) {}", from - kDay0, to - kDay0, workflow);
    auto got = report(*db_, 3, Range{from, to, workflow}, 100);
    ASSERT_TRUE(got.ok()) << got.error();
    int64_t executions = 0, completed = 0, ended = 0, sum = 0;
    std::map<std::string, int64_t> by_status;
    std::vector<int64_t> durations;
    std::map<std::string, std::vector<int64_t>> durations_of;
    std::map<std::string, int64_t> runs_of;
    std::map<int64_t, int64_t> completed_on;
    for (const auto& [id, row] : rows) {
      if (row.created < from || row.created >= to || (!workflow.empty() && row.workflow != workflow)) continue;
      ++executions;
      ++by_status[std::string(name(row.status))];
      ++runs_of[row.workflow];
      if (!is_terminal(row.status)) continue;
      ++ended;
      if (row.status == InstanceStatus::Completed) {
        ++completed;
        ++completed_on[row.created / kDayMs];
      }
      durations.push_back(row.took);
      durations_of[row.workflow].push_back(row.took);
      sum += row.took;
    }
    EXPECT_EQ(got->executions, executions) << where;
    for (const auto& [status, n] : by_status) EXPECT_EQ(got->by_status.at(status), n) << where << " " << status;
    if (ended == 0) {
      EXPECT_FALSE(got->success_rate) << where;
    } else {
      ASSERT_TRUE(got->success_rate && got->average_duration_ms) << where;
      EXPECT_DOUBLE_EQ(*got->success_rate, static_cast<double>(completed) / static_cast<double>(ended)) << where;
      EXPECT_DOUBLE_EQ(*got->average_duration_ms, static_cast<double>(sum) / static_cast<double>(ended)) << where;
    }
    EXPECT_EQ(got->median_duration_ms, median(durations)) << where;
    for (const auto& day : got->daily) EXPECT_EQ(day.ended.completed, completed_on[day.start_ms / kDayMs]) << where;
    ASSERT_EQ(got->top_workflows.size(), runs_of.size()) << where;
    for (const auto& w : got->top_workflows) {
      EXPECT_EQ(w.runs, runs_of[w.workflow]) << where << " " << w.workflow;
      EXPECT_EQ(w.median_duration_ms, median(durations_of[w.workflow])) << where << " " << w.workflow;
    }
  };
  expect_agreement(kDay0, kDay0 + 7 * kDayMs, "");
  expect_agreement(kDay1, kDay3, "beta");
  expect_agreement(kDay0 + 5 * kHour, kDay3 + 7 * kHour, "");
  expect_agreement(kDay0 + 5 * kHour, kDay3 + 7 * kHour, "alpha");
  expect_agreement(kDay2 + kHour, kDay2 + 20 * kHour, "");
  expect_agreement(kDay1 + 23 * kHour, kDay2 + kHour, "gamma");
  for (int i = 0; i < 20; ++i) {
    const int64_t a = kDay0 + static_cast<int64_t>(random() % (8 * kDayMs)), b = kDay0 + static_cast<int64_t>(random() % (8 * kDayMs));
    if (a != b) expect_agreement(std::min(a, b), std::max(a, b), i % 2 ? "" : names[random() % names.size()]);
  }
}

// A store made before the summary existed gets its past in it when it is upgraded: the same report
// after the upgrade as the rows give.
TEST(AnalyticsUpgrade, AStoreUpgradedToTheSummaryHasItsPastInIt) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string error;
  auto db = Database::open(dir.file("wf.db"), {}, error);
  ASSERT_NE(db, nullptr) << error;
  const auto all = service_migrations();
  ASSERT_TRUE(migrate(*db, all.first(16), error)) << error;
  ASSERT_TRUE(orgs::create(*db, OrgRow{1, "org1", "secret"}, kDay0, error)) << error;
  Changes past;
  const std::vector<std::tuple<int64_t, InstanceStatus, int64_t, int64_t>> rows = {
      {1, InstanceStatus::Completed, kDay0 + kHour, 4000},  {2, InstanceStatus::Failed, kDay0 + 2 * kHour, 9000},
      {3, InstanceStatus::Completed, kDay1 + kHour, 1000},  {4, InstanceStatus::Running, kDay1 + 2 * kHour, 0},
      {300, InstanceStatus::Timeout, kDay1 + 3 * kHour, 7000}};
  for (const auto& [id, status, created, took] : rows) {
    InstanceRow r;
    r.id = id;
    r.org_id = 1;
    r.definition_id = 1;
    r.version = 1;
    r.workflow = id == 2 ? "other" : "deploy";
    r.module_hash = "h";
    r.status = status;
    r.created_at = created;
    r.started_at = created;
    if (is_terminal(status)) r.ended_at = created + took;
    past.instances.push_back(r);
  }
  ASSERT_TRUE(write_changes(*db, past, error)) << error;
  ASSERT_TRUE(migrate(*db, all, error)) << error;
  auto r = report(*db, 1, Range{kDay0, kDay2, ""});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->executions, 5);
  EXPECT_EQ(r->by_status.at("running"), 1);
  EXPECT_EQ(r->by_status.at("completed"), 2);
  EXPECT_DOUBLE_EQ(*r->median_duration_ms, 5500);
  EXPECT_DOUBLE_EQ(*r->average_duration_ms, 21000.0 / 4);
  ASSERT_EQ(r->top_workflows.size(), 2u);
  EXPECT_EQ(r->top_workflows[0].workflow, "deploy");
  EXPECT_EQ(r->top_workflows[0].runs, 4);
  EXPECT_DOUBLE_EQ(*r->top_workflows[0].median_duration_ms, 4000);
  EXPECT_EQ(r->daily[1].ended.timeout, 1);
}

TEST(Median, IsExact) {
  std::vector<int64_t> none, odd = {5, 1, 3}, even = {4, 1, 3, 2};
  EXPECT_FALSE(median(none));
  EXPECT_DOUBLE_EQ(*median(odd), 3);
  EXPECT_DOUBLE_EQ(*median(even), 2.5);
}

TEST_F(Analytics, NoStatementScansAWholeTable) {
  for (bool with_workflow : {false, true}) {
    auto plans = query_plans(*db_, with_workflow);
    ASSERT_TRUE(plans.ok()) << plans.error();
    std::string all;
    for (const std::string& l : *plans) all += "  " + l + "\n";
    EXPECT_GE(plans->size(), 4u) << all;
    // The one scan is of the index of live instances, which holds only those not ended.
    for (const std::string& l : *plans)
      if (l.rfind("live: ", 0) != 0) EXPECT_EQ(l.find("SCAN "), std::string::npos) << all;
    // The parts of days at the range's ends: the index holds the range (organization, creation
    // time); each row is then read from the table. Whole days: the summary's keys.
    EXPECT_NE(all.find("instances: SEARCH instances USING INDEX instances_by_org_created (org_id=? AND created_at>? AND created_at<?)"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("day ends: SEARCH execution_ends USING PRIMARY KEY (org_id=? AND day>? AND day<?)"), std::string::npos) << all;
    EXPECT_NE(all.find("live: SCAN instances USING INDEX instances_live"), std::string::npos) << all;
    EXPECT_NE(all.find("notifications: SEARCH notifications USING COVERING INDEX notifications_by_org_created"), std::string::npos) << all;
  }
}

}  // namespace
}  // namespace wf::store

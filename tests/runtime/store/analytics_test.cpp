// The analytics report (store/analytics.h) over a fixture of known instances, jobs and approvals
// spread over several UTC days, with rows outside the range and of another organization that must
// not count: exact totals, rates, average and medians, the daily trend, the top workflows, the
// agents' utilization and the approvals, for every workflow and for one. And none of the report's
// statements scans a whole table.
#include <gtest/gtest.h>

#include <string>
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
    for (const std::string& l : *plans) EXPECT_EQ(l.find("SCAN "), std::string::npos) << all;
    // The index holds the range (organization, creation time); each row is then read from the table.
    EXPECT_NE(all.find("instances: SEARCH instances USING INDEX instances_by_org_created (org_id=? AND created_at>? AND created_at<?)"),
              std::string::npos)
        << all;
  }
}

}  // namespace
}  // namespace wf::store

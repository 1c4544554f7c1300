// `GET /api/v1/analytics` and `wf stats` on a real `wf serve` (docs/api.md, "Analytics"): real
// runs are counted by workflow and outcome, a range without them counts none, bad parameters are
// 400, and `wf stats` prints the figures as tables with the daily chart, or the answer as JSON.
// The figures' arithmetic over a fixture of known rows is store/analytics_test.cpp's.
#include <string>

#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class AnalyticsApi : public ServiceTest {
 protected:
  AnalyticsApi() : ServiceTest("wf-analytics") {}
  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_EQ(push(*api_, "works.wf", "workflow works() -> int {\n  return 1\n}\n"), "works");
    ASSERT_EQ(push(*api_, "breaks.wf", "workflow breaks() {\n  fail \"on purpose\"\n}\n"), "breaks");
    for (const char* name : {"works", "works", "works", "breaks"}) {
      const int64_t id = start(*api_, name, json::object());
      ASSERT_GT(id, 0);
      const std::string status = wait_ended(*api_, id).value("status", "");
      ASSERT_EQ(status, std::string(name) == "works" ? "completed" : "failed");
    }
  }
};

TEST_F(AnalyticsApi, RealRunsAreCounted) {
  const auto r = api_->get("/api/v1/analytics");
  ASSERT_EQ(r.status, 200) << r.body;
  const json a = body_json(r);
  EXPECT_EQ(a["executions"], 4) << a.dump();
  EXPECT_DOUBLE_EQ(a["success_rate"].get<double>(), 0.75) << a.dump();
  EXPECT_EQ(a["by_status"]["completed"], 3) << a.dump();
  EXPECT_EQ(a["by_status"]["failed"], 1) << a.dump();
  EXPECT_EQ(a["active_workflows"], 2) << a.dump();
  EXPECT_TRUE(a["median_duration_ms"].is_number()) << a.dump();
  ASSERT_EQ(a["daily"].size(), 8u) << a.dump();  // the last 7 days touch 8 UTC days
  const json& today = a["daily"].back();
  EXPECT_EQ(today["completed"], 3) << a.dump();
  EXPECT_EQ(today["failed"], 1) << a.dump();
  ASSERT_EQ(a["top_workflows"].size(), 2u) << a.dump();
  EXPECT_EQ(a["top_workflows"][0]["workflow"], "works") << a.dump();
  EXPECT_EQ(a["top_workflows"][0]["runs"], 3) << a.dump();
  EXPECT_DOUBLE_EQ(a["top_workflows"][0]["success_rate"].get<double>(), 1.0) << a.dump();
  EXPECT_DOUBLE_EQ(a["top_workflows"][1]["success_rate"].get<double>(), 0.0) << a.dump();

  const json one = body_json(api_->get("/api/v1/analytics?workflow=breaks"));
  EXPECT_EQ(one["executions"], 1) << one.dump();
  EXPECT_EQ(one["workflow"], "breaks") << one.dump();
  const json before = body_json(api_->get("/api/v1/analytics?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z"));
  EXPECT_EQ(before["executions"], 0) << before.dump();
  EXPECT_TRUE(before["success_rate"].is_null()) << before.dump();
  EXPECT_EQ(before["daily"].size(), 1u) << before.dump();
}

TEST_F(AnalyticsApi, BadRangesAreRefused) {
  for (const char* query : {"?from=yesterday", "?to=2020-13-45", "?from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z",
                            "?from=2020-01-01T00:00:00Z&to=2022-01-01T00:00:00Z"}) {
    const auto r = api_->get(std::string("/api/v1/analytics") + query);
    EXPECT_EQ(r.status, 400) << query << ": " << r.body;
    EXPECT_EQ(body_json(r)["error"].value("code", ""), "bad_request") << query;
  }
}

TEST_F(AnalyticsApi, WfStatsPrintsTablesAndTheTrend) {
  const auto [code, out] = run_wf(*service_, service_->admin_token(), "stats --since 2d");
  ASSERT_EQ(code, 0) << out;
  for (const char* expected : {"EXECUTIONS", "75.0%", "WORKFLOW", "works", "breaks", "Daily (UTC", "3 completed, 1 failed"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  EXPECT_NE(out.find("###"), std::string::npos) << out;

  const auto [json_code, json_out] = run_wf(*service_, service_->admin_token(), "stats --workflow works --format json");
  ASSERT_EQ(json_code, 0) << json_out;
  const json a = json::parse(json_out, nullptr, false);
  ASSERT_TRUE(a.is_object()) << json_out;
  EXPECT_EQ(a["executions"], 3) << json_out;

  const auto [bad_code, bad_out] = run_wf(*service_, service_->admin_token(), "stats --since soon");
  EXPECT_NE(bad_code, 0) << bad_out;
  EXPECT_NE(bad_out.find("--since"), std::string::npos) << bad_out;
}

}  // namespace

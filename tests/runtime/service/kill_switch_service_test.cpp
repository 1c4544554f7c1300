// The kill switch through a real `wf serve` (SPEC §4.6, docs/api.md "Kill switch"): pausing needs
// a reason, the status says who paused it, since when and why, a viewer may look but not flip it,
// another organization's switch is not found, a manual instance runs on while it is paused, the
// switch survives a restart, and `wf automation` drives it from a shell.
#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class KillSwitch : public ServiceTest {
 protected:
  KillSwitch() : ServiceTest("wf-kill-switch") {}

  std::unique_ptr<wf::client::HttpClient> person(const std::string& name, const json& roles) {
    EXPECT_EQ(api_->post("/api/v1/users", json({{"name", name}, {"roles", roles}}).dump()).status, 201);
    auto token = api_->post("/api/v1/tokens", json({{"user", name}}).dump());
    EXPECT_EQ(token.status, 201) << token.body;
    return std::make_unique<wf::client::HttpClient>(service_->url(), body_json(token).value("token", ""));
  }
};

constexpr const char* kStatus = "/api/v1/orgs/1/automation/status";
constexpr const char* kPause = "/api/v1/orgs/1/automation/pause";
constexpr const char* kResume = "/api/v1/orgs/1/automation/resume";

TEST_F(KillSwitch, PauseNeedsAReasonAndTheStatusSaysWhoWhenAndWhy) {
  json status = body_json(api_->get(kStatus));
  EXPECT_EQ(status.value("paused", true), false) << status.dump();

  for (const char* body : {"{}", R"({"reason": ""})", R"({"reason": "   "})", R"({"reason": 7})"}) {
    auto r = api_->post(kPause, body);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
    EXPECT_TRUE(body_json(r)["error"].contains("code")) << r.body;
  }
  EXPECT_EQ(body_json(api_->get(kStatus)).value("paused", true), false);

  auto paused = api_->post(kPause, R"({"reason": "bad patch rolling out"})");
  ASSERT_EQ(paused.status, 200) << paused.body;
  status = body_json(api_->get(kStatus));
  EXPECT_EQ(status.value("paused", false), true) << status.dump();
  EXPECT_EQ(status.value("by", ""), "admin");
  EXPECT_EQ(status.value("reason", ""), "bad patch rolling out");
  EXPECT_FALSE(status.value("since", "").empty()) << status.dump();
  // Already paused: a conflict, and the first reason stands.
  auto again = api_->post(kPause, R"({"reason": "another"})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(body_json(api_->get(kStatus)).value("reason", ""), "bad patch rolling out");

  // Both flips are events of the organization.
  auto resumed = api_->post(kResume, "");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(body_json(resumed).value("paused", true), false);
  EXPECT_EQ(api_->post(kResume, "").status, 409);
  bool heard_paused = false, heard_resumed = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  api_->stream("/api/v1/events", {"Last-Event-ID: 0"}, [&](std::string_view piece) {
    const std::string text(piece);
    heard_paused = heard_paused || text.find("automation.paused") != std::string::npos;
    heard_resumed = heard_resumed || text.find("automation.resumed") != std::string::npos;
    return !(heard_paused && heard_resumed) && std::chrono::steady_clock::now() < deadline;
  });
  EXPECT_TRUE(heard_paused);
  EXPECT_TRUE(heard_resumed);
}

TEST_F(KillSwitch, AViewerLooksButMayNotFlipItAnOperatorMayAndAnotherOrganizationsIsNotFound) {
  auto viewer = person("vic", {"viewer"});
  auto op = person("olga", {"operator"});
  EXPECT_EQ(viewer->get(kStatus).status, 200);
  EXPECT_EQ(viewer->post(kPause, R"({"reason": "x"})").status, 403);
  EXPECT_EQ(op->post(kPause, R"({"reason": "night shift saw a loop"})").status, 200);
  EXPECT_EQ(body_json(viewer->get(kStatus)).value("by", ""), "olga");
  EXPECT_EQ(viewer->post(kResume, "").status, 403);
  EXPECT_EQ(op->post(kResume, "").status, 200);

  auto other = api_->post("/api/v1/orgs", json({{"name", "other"}}).dump());
  ASSERT_EQ(other.status, 201) << other.body;
  const std::string other_id = std::to_string(body_json(other).value("id", int64_t{0}));
  ASSERT_NE(other_id, "0") << other.body;
  EXPECT_EQ(api_->get("/api/v1/orgs/" + other_id + "/automation/status").status, 404);
  EXPECT_EQ(api_->post("/api/v1/orgs/" + other_id + "/automation/pause", R"({"reason": "x"})").status, 404);
  EXPECT_EQ(api_->post("/api/v1/orgs/" + other_id + "/automation/resume", "").status, 404);
}

TEST_F(KillSwitch, AManualInstanceRunsOnWhilePausedAndTheSwitchSurvivesARestart) {
  ASSERT_EQ(push(*api_, "naps.wf", R"(
workflow naps() -> string {
  sleep 100ms
  sleep 100ms
  return "rested"
}
)"), "naps");
  ASSERT_EQ(api_->post(kPause, R"({"reason": "maintenance"})").status, 200);
  const int64_t id = start(*api_, "naps", json::object());
  ASSERT_GT(id, 0);
  json done = wait_ended(*api_, id);
  EXPECT_EQ(done.value("status", ""), "completed") << done.dump();
  EXPECT_EQ(done.value("trigger", ""), "manual") << done.dump();

  ASSERT_EQ(service_->stop(), 0);
  ASSERT_TRUE(service_->start()) << service_->log();
  api_ = service_->admin();
  json status = body_json(api_->get(kStatus));
  EXPECT_EQ(status.value("paused", false), true) << status.dump();
  EXPECT_EQ(status.value("reason", ""), "maintenance");
  EXPECT_EQ(status.value("by", ""), "admin");
  ASSERT_EQ(api_->post(kResume, "").status, 200);
  ASSERT_EQ(service_->stop(), 0);
  ASSERT_TRUE(service_->start()) << service_->log();
  api_ = service_->admin();
  EXPECT_EQ(body_json(api_->get(kStatus)).value("paused", true), false);
}

TEST_F(KillSwitch, TheCliPausesShowsAndResumes) {
  const std::string token = service_->admin_token();
  auto [code, out] = run_wf(*service_, token, "automation pause");
  EXPECT_EQ(code, 2) << out;
  std::tie(code, out) = run_wf(*service_, token, "automation pause --reason 'runaway remediation'");
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = run_wf(*service_, token, "automation status");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("paused"), std::string::npos) << out;
  EXPECT_NE(out.find("runaway remediation"), std::string::npos) << out;
  EXPECT_NE(out.find("admin"), std::string::npos) << out;
  std::tie(code, out) = run_wf(*service_, token, "automation pause --reason again");
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("already paused"), std::string::npos) << out;
  std::tie(code, out) = run_wf(*service_, token, "automation resume");
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = run_wf(*service_, token, "automation status");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("running"), std::string::npos) << out;
  EXPECT_EQ(body_json(api_->get(kStatus)).value("paused", true), false);
}

}  // namespace

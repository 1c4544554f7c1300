// The kill switch against what it stops (SPEC §4.6), with a real `wf serve`: while automation is
// paused a schedule's tick and a hook's delivery start nothing and are recorded as suppressed; an
// instance a hook started stops at its next effect with reason `kill_switch` while one a person
// started runs on; resuming lets the held one finish and the schedule tick again.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include "runtime/service/hook_signature.h"
#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

constexpr const char* kFlows = R"(
workflow gated(service: string) -> string {
  let e = wait event "go" timeout 120s
  sleep 200ms
  return service
}
workflow quick() {
  log "tick"
}
)";

class KillSwitchAutomation : public ServiceTest {
 protected:
  KillSwitchAutomation() : ServiceTest("wf-kill-switch-automation") {}

  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_FALSE(push(*api_, "gated.wf", kFlows).empty());
  }

  // A signed delivery of `body` to `hook`: the status and the answer's JSON.
  std::pair<int, json> deliver(const json& hook, const std::string& body) {
    const std::string signature =
        wf::service::hook_signature::sign(hook.value("secret", ""), static_cast<int64_t>(std::time(nullptr)), body);
    const std::string request = fmt::format(
        "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
        "X-WF-Signature: {}\r\nContent-Length: {}\r\n\r\n{}",
        hook.value("path", ""), signature, body.size(), body);
    const std::string raw = raw_answer(service_->port(), request);
    const int status = raw.size() > 12 ? std::atoi(raw.substr(9, 3).c_str()) : 0;
    const size_t open = raw.find('{'), close = raw.rfind('}');
    json answer = open == std::string::npos ? json() : json::parse(raw.substr(open, close - open + 1), nullptr, false);
    return {status, answer};
  }

  json ticks(int64_t schedule) {
    return body_json(api_->get(fmt::format("/api/v1/schedules/{}", schedule))).value("ticks", json::array());
  }
  static size_t count(const json& rows, const std::string& outcome) {
    size_t n = 0;
    for (const auto& r : rows) n += r.value("outcome", "") == outcome;
    return n;
  }
  int64_t live_instances_of(const std::string& workflow) {
    const json list = body_json(api_->get("/api/v1/instances?limit=500"));
    int64_t n = 0;
    for (const auto& i : list.value("items", json::array())) n += i.value("workflow", "") == workflow;
    return n;
  }
};

TEST_F(KillSwitchAutomation, PausedAutomationSuppressesTicksAndDeliveriesHoldsAutomaticRunsAndResumeLetsThemGoOn) {
  auto created = api_->post("/api/v1/hooks", json({{"name", "deploys"}, {"workflow", "gated"}}).dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const json hook = body_json(created);

  // Before the switch: a delivery starts an instance (trigger webhook) that waits for "go".
  auto [status, answer] = deliver(hook, R"({"service":"billing"})");
  ASSERT_EQ(status, 202) << answer.dump();
  const int64_t automatic = answer.value("instance_id", int64_t{0});
  ASSERT_GT(automatic, 0) << answer.dump();
  const int64_t manual = start(*api_, "gated", {{"params", {{"service", "web"}}}});
  ASSERT_GT(manual, 0);
  for (int64_t id : {automatic, manual})
    wait_status(*api_, id, [](const json& d) { return d.value("status", "") == "running" || d.value("status", "") == "paused"; });

  ASSERT_EQ(api_->post("/api/v1/orgs/1/automation/pause", R"({"reason": "change freeze"})").status, 200);

  // A schedule of `@every 1s` made while paused ticks only into `suppressed`.
  auto schedule = api_->post("/api/v1/schedules", json({{"name", "every-second"}, {"workflow", "quick"}, {"cron", "@every 1s"}}).dump());
  ASSERT_EQ(schedule.status, 201) << schedule.body;
  const int64_t schedule_id = body_json(schedule).value("id", int64_t{0});
  ASSERT_TRUE(wait_until([&] { return count(ticks(schedule_id), "suppressed") >= 2; }, std::chrono::seconds(20)))
      << ticks(schedule_id).dump();
  EXPECT_EQ(count(ticks(schedule_id), "started"), 0u) << ticks(schedule_id).dump();
  EXPECT_EQ(live_instances_of("quick"), 0);

  // A delivery is answered, recorded as suppressed, and starts nothing.
  auto [held_status, held_answer] = deliver(hook, R"({"service":"payroll"})");
  EXPECT_EQ(held_status, 202) << held_answer.dump();
  EXPECT_EQ(held_answer.value("suppressed", false), true) << held_answer.dump();
  EXPECT_FALSE(held_answer.contains("instance_id")) << held_answer.dump();
  const json deliveries =
      body_json(api_->get(fmt::format("/api/v1/hooks/{}/deliveries", hook.value("id", int64_t{0})))).value("items", json::array());
  EXPECT_EQ(count(deliveries, "suppressed"), 1u) << deliveries.dump();
  EXPECT_EQ(count(deliveries, "started"), 1u) << deliveries.dump();

  // "go" to both: the person's run finishes, the webhook's stops before its sleep.
  for (int64_t id : {automatic, manual})
    ASSERT_EQ(api_->post(fmt::format("/api/v1/instances/{}/signal", id), R"({"event": "go", "payload": {}})").status / 100, 2);
  EXPECT_EQ(wait_ended(*api_, manual).value("status", ""), "completed");
  const json held = wait_status(*api_, automatic, [](const json& d) { return d.value("pause_reason", "") == "kill_switch"; });
  EXPECT_EQ(held.value("status", ""), "paused") << held.dump();

  // Resume: the held instance finishes, and the schedule starts instances again.
  ASSERT_EQ(api_->post("/api/v1/orgs/1/automation/resume", "").status, 200);
  const json done = wait_ended(*api_, automatic);
  EXPECT_EQ(done.value("status", ""), "completed") << done.dump();
  EXPECT_EQ(done.value("result", json()), "billing") << done.dump();
  EXPECT_TRUE(wait_until([&] { return count(ticks(schedule_id), "started") >= 1; }, std::chrono::seconds(20)))
      << ticks(schedule_id).dump();
}

}  // namespace

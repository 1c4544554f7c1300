// A step's `timeout` in a real `wf serve` with a real `wf agent` (SPEC §1.5): the effect the step
// waits on is answered with a `timeout` error once the step's time is up — a job, an approval, a
// sleep — its queued jobs are cancelled, `retry` gives each attempt a fresh timeout, a `try`
// around the step catches it, a restarted service still honours the deadline, and retrying the
// failed instance gives the step its whole time again.
#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class StepTimeout : public ServiceTest {
 protected:
  StepTimeout() : ServiceTest("wf-step-timeout") {}
  std::string push(const std::string& source) {
    const std::string name = wf::testing::push(*api_, "test.wf", source);
    EXPECT_FALSE(name.empty()) << "push failed";
    return name;
  }
  json jobs_of(int64_t id) { return body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id)))["items"]; }
  // The statuses of the timeline rows of the `step` named `name`, oldest first.
  std::vector<std::string> step_rows(const json& detail, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& s : detail.value("steps", json::array()))
      if (s.value("kind", "") == "step" && s.value("name", "") == name) out.push_back(s.value("status", ""));
    return out;
  }

};

TEST_F(StepTimeout, AJobOutlivingItsStepFailsTheInstanceWithTimeout) {
  agent("web1");
  const std::string name = push(R"(
workflow deploy(targets: hosts) {
  step "Deploy" timeout 1s {
    run command "sleep 5" on targets
  }
}
)");
  const auto before = std::chrono::steady_clock::now();
  const int64_t id = start(*api_, name, {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  json end = wait_ended(*api_, id, std::chrono::seconds(10));
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(4000));
  EXPECT_EQ(end["status"], "failed") << end.dump();
  EXPECT_EQ(end["error"]["kind"], "timeout") << end.dump();
  EXPECT_EQ(end["error"]["message"], "step \"Deploy\" timed out after 1s") << end.dump();
  EXPECT_EQ(step_rows(end, "Deploy"), std::vector<std::string>{"failed"}) << end.dump();
}

TEST_F(StepTimeout, QueuedJobsAreCancelledAndEachRetryHasAFreshTimeout) {
  agent("web1");
  agents_.back()->stop();  // registered, but nobody takes its jobs: they stay queued
  const std::string name = push(R"(
workflow deploy(targets: hosts) {
  step "Deploy" retry 1 timeout 1s {
    run command "true" on targets
  }
}
)");
  const auto before = std::chrono::steady_clock::now();
  const int64_t id = start(*api_, name, {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  json end = wait_ended(*api_, id, std::chrono::seconds(10));
  EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(1900));
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(5000));
  EXPECT_EQ(end["status"], "failed") << end.dump();
  EXPECT_EQ(end["error"]["kind"], "timeout") << end.dump();
  EXPECT_EQ(step_rows(end, "Deploy"), (std::vector<std::string>{"failed", "failed"})) << end.dump();
  const json jobs = jobs_of(id);
  ASSERT_EQ(jobs.size(), 2u) << jobs.dump();
  for (const auto& j : jobs) EXPECT_EQ(j["status"], "cancelled") << jobs.dump();
}

TEST_F(StepTimeout, ATryAroundTheStepCatchesAnApprovalThatTookTooLong) {
  const std::string name = push(R"(
workflow gated() -> string {
  try {
    step "Gate" timeout 1s {
      approve "Go ahead?"
    }
  } catch e {
    return "caught " + e.kind
  } finally {
    log "cleaning up"
  }
  return "approved"
}
)");
  const int64_t id = start(*api_, name, json::object());
  ASSERT_GT(id, 0);
  json end = wait_ended(*api_, id, std::chrono::seconds(10));
  EXPECT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], "caught timeout") << end.dump();
  auto approvals = body_json(api_->get("/api/v1/approvals?instance=" + std::to_string(id)));
  ASSERT_EQ(approvals.value("items", json::array()).size(), 1u) << approvals.dump();
  EXPECT_EQ(approvals["items"][0]["status"], "expired") << approvals.dump();
  auto log = body_json(api_->get("/api/v1/instances/" + std::to_string(id) + "/log"));
  bool cleaned = false;
  for (const auto& line : log["items"]) cleaned = cleaned || line["message"] == "cleaning up";
  EXPECT_TRUE(cleaned) << log.dump();
}

TEST_F(StepTimeout, ARestartedServiceHonoursTheDeadline) {
  const std::string name = push(R"(
workflow nap() {
  step "Nap" timeout 2s {
    sleep 30s
  }
}
)");
  const auto before = std::chrono::steady_clock::now();
  const int64_t id = start(*api_, name, json::object());
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_until([&] { return instance(*api_, id)["pause_reason"] == "delay"; }));
  service_->kill9();
  ASSERT_TRUE(service_->start()) << service_->log();
  api_ = service_->admin();
  json end = wait_ended(*api_, id, std::chrono::seconds(10));
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(8));
  EXPECT_EQ(end["status"], "failed") << end.dump();
  EXPECT_EQ(end["error"]["kind"], "timeout") << end.dump();
  EXPECT_EQ(end["error"]["message"], "step \"Nap\" timed out after 2s") << end.dump();
}

TEST_F(StepTimeout, RetryingTheInstanceGivesTheStepItsWholeTimeAgain) {
  const std::string name = push(R"(
workflow nap() -> string {
  step "Nap" timeout 1s {
    sleep 3s
  }
  return "woke"
}
)");
  const int64_t id = start(*api_, name, json::object());
  ASSERT_GT(id, 0);
  json end = wait_ended(*api_, id, std::chrono::seconds(10));
  ASSERT_EQ(end["status"], "failed") << end.dump();
  const auto before = std::chrono::steady_clock::now();
  auto r = api_->post("/api/v1/instances/" + std::to_string(id) + "/retry");
  ASSERT_EQ(r.status, 200) << r.body;
  end = wait_ended(*api_, id, std::chrono::seconds(10));
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_EQ(end["status"], "failed") << end.dump();
  EXPECT_EQ(end["error"]["message"], "step \"Nap\" timed out after 1s") << end.dump();
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::milliseconds(2900));
}

}  // namespace

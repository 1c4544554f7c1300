// The life of instances in a real `wf serve` with real `wf agent`s (SPEC §4.1–§4.3): approvals
// given and refused, approval timeouts, cancel while a job runs, pause and resume, retry from the
// failed step, deferred starts, jobs on two hosts, and instances that survive a kill -9 of the
// server at a pause.
#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class Lifecycle : public ServiceTest {
 protected:
  Lifecycle() : ServiceTest("wf-lifecycle") {}
  std::string push(const std::string& source) {
    const std::string name = wf::testing::push(*api_, "test.wf", source);
    EXPECT_FALSE(name.empty()) << "push failed";
    return name;
  }
  // The id of the instance's pending approval, once there is one.
  int64_t pending_approval(int64_t instance) {
    int64_t id = 0;
    wait_until([&] {
      auto list = body_json(api_->get("/api/v1/approvals?status=pending&instance=" + std::to_string(instance)));
      if (list.value("items", json::array()).empty()) return false;
      id = list["items"][0]["id"].get<int64_t>();
      return true;
    });
    return id;
  }
  json respond(int64_t approval, const std::string& decision) {
    auto r = api_->post("/api/v1/approvals/" + std::to_string(approval) + "/respond", json({{"decision", decision}, {"note", "test"}}).dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return body_json(r);
  }

};

TEST_F(Lifecycle, AnApprovalGivenThroughTheApiLetsTheInstanceComplete) {
  const std::string name = push(R"(
workflow gated(release: string) -> string {
  let window = 30m
  let targets = ["web1", "web2"]
  approve "Go ahead with {{release}}?"
  return "done {{release}} on {{len(targets)}} in {{window}}"
}
)");
  const int64_t id = start(*api_, name, {{"params", {{"release", "1.4.2"}}}});
  ASSERT_GT(id, 0);
  auto paused = wait_status(*api_, id, [](const json& d) { return d["status"] == "paused"; });
  EXPECT_EQ(paused["pause_reason"], "approval");
  // The workflow's bindings while it waits (SPEC §4.1 variables).
  EXPECT_EQ(paused["variables"]["release"], "1.4.2") << paused["variables"].dump();
  EXPECT_EQ(paused["variables"]["window"], "30m");
  EXPECT_EQ(paused["variables"]["targets"], json({"web1", "web2"}));
  EXPECT_EQ(paused["params"], json({{"release", "1.4.2"}}));
  const int64_t a = pending_approval(id);
  ASSERT_GT(a, 0);
  json decided = respond(a, "approve");
  EXPECT_EQ(decided["status"], "approved");
  ASSERT_EQ(decided["responses"].size(), 1u);
  EXPECT_EQ(decided["responses"][0]["via"], "api");
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "completed");
  EXPECT_EQ(end["result"], "done 1.4.2 on 2 in 30m");
  // A second answer to a decided request is refused.
  auto again = api_->post("/api/v1/approvals/" + std::to_string(a) + "/respond", R"({"decision":"reject"})");
  EXPECT_EQ(again.status, 409) << again.body;
}

TEST_F(Lifecycle, ARejectionFailsTheInstanceWithRejected) {
  const std::string name = push(R"(
workflow gated() -> string {
  approve "Go ahead?"
  return "done"
}
)");
  const int64_t id = start(*api_, name, json::object());
  const int64_t a = pending_approval(id);
  ASSERT_GT(a, 0);
  respond(a, "reject");
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "failed");
  EXPECT_EQ(end["error"]["kind"], "rejected");
}

TEST_F(Lifecycle, AnApprovalTimeoutEndsTheWait) {
  const std::string name = push(R"(
workflow gated() -> bool {
  let a = approve "Go ahead?" timeout 1s
  return a.approved
}
)");
  const int64_t id = start(*api_, name, json::object());
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "completed");
  EXPECT_EQ(end["result"], false);
  auto list = body_json(api_->get("/api/v1/approvals?instance=" + std::to_string(id)));
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["status"], "expired");
}

TEST_F(Lifecycle, CancelWhileAJobRunsEndsTheInstanceAtOnce) {
  agent("web1");
  const std::string name = push(R"(
workflow slow(targets: hosts) {
  run command "sleep 20" on targets timeout 60s
}
)");
  const int64_t id = start(*api_, name, {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  // Running once the agent has started the job.
  ASSERT_TRUE(wait_until([&] {
    auto jobs = body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id)));
    return !jobs["items"].empty() && jobs["items"][0]["status"] == "running";
  }));
  const auto before = std::chrono::steady_clock::now();
  auto r = api_->post("/api/v1/instances/" + std::to_string(id) + "/cancel");
  ASSERT_EQ(r.status, 200) << r.body;
  json end = wait_ended(*api_, id, std::chrono::seconds(5));
  EXPECT_EQ(end["status"], "cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
  // Cancelling again is a conflict.
  EXPECT_EQ(api_->post("/api/v1/instances/" + std::to_string(id) + "/cancel").status, 409);
}

TEST_F(Lifecycle, PauseHoldsTheInstanceAtItsNextEffectUntilResumed) {
  const std::string name = push(R"(
workflow naps() -> int {
  var n = 0
  for i in range(3) {
    sleep 300ms
    n = n + 1
  }
  return n
}
)");
  const int64_t id = start(*api_, name, json::object());
  ASSERT_EQ(api_->post("/api/v1/instances/" + std::to_string(id) + "/pause").status, 200);
  json paused = instance(*api_, id);
  EXPECT_EQ(paused["status"], "paused");
  EXPECT_EQ(paused["pause_reason"], "operator");
  // Well past every sleep, it has not gone on.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(instance(*api_, id)["status"], "paused");
  ASSERT_EQ(api_->post("/api/v1/instances/" + std::to_string(id) + "/resume").status, 200);
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "completed");
  EXPECT_EQ(end["result"], 3);
}

TEST_F(Lifecycle, RetryGoesOnFromTheFailedStep) {
  agent("web1");
  const std::filesystem::path flag = dir_ / "flag", counter = dir_ / "prepared";
  const std::string name = push(R"(
workflow deploy(targets: hosts, flag: string, counter: string) -> string {
  step "Prepare" {
    run command "echo prepared >> {{counter}}" on targets
  }
  step "Deploy" {
    run command "test -f {{flag}}" on targets
  }
  return "deployed"
}
)");
  const int64_t id = start(*api_, name, {{"hosts", {"web1"}}, {"params", {{"flag", flag.string()}, {"counter", counter.string()}}}});
  json failed = wait_ended(*api_, id);
  ASSERT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["error"]["kind"], "job_failed");
  std::ofstream(flag) << "ok\n";
  auto r = api_->post("/api/v1/instances/" + std::to_string(id) + "/retry");
  ASSERT_EQ(r.status, 200) << r.body;
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "completed");
  EXPECT_EQ(end["result"], "deployed");
  // "Prepare" ran once: the retry began at "Deploy".
  std::ifstream in(counter);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 1);
  // Only a failed instance can be retried.
  EXPECT_EQ(api_->post("/api/v1/instances/" + std::to_string(id) + "/retry").status, 409);
}

TEST_F(Lifecycle, AWorkflowTimeoutEndsTheInstanceAsTimedOut) {
  const std::string name = push(R"(
@timeout(1s)
workflow slowpoke() -> string {
  try {
    sleep 30s
  } finally {
    log "cleaning up"
  }
  return "never"
}
)");
  const int64_t id = start(*api_, name, json::object());
  json end = wait_ended(*api_, id, std::chrono::seconds(10));
  EXPECT_EQ(end["status"], "timeout") << end.dump();
  EXPECT_EQ(end["error"]["kind"], "timeout");
  // `finally` still ran.
  auto log = body_json(api_->get("/api/v1/instances/" + std::to_string(id) + "/log"));
  bool cleaned = false;
  for (const auto& line : log["items"]) cleaned = cleaned || line["message"] == "cleaning up";
  EXPECT_TRUE(cleaned) << log.dump();
}

TEST_F(Lifecycle, ADeferredStartWaitsQueuedUntilItsTime) {
  const std::string name = push(R"(
workflow later() -> string {
  return "ran"
}
)");
  const int64_t at = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() + 1500;
  const int64_t id = start(*api_, name, {{"scheduled_at", at}});
  ASSERT_GT(id, 0);
  EXPECT_EQ(instance(*api_, id)["status"], "queued");
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "completed");
  EXPECT_EQ(end["result"], "ran");
}

TEST_F(Lifecycle, JobsRunOnTheAgentOfEachHost) {
  agent("web1");
  agent("web2");
  const std::string name = push(R"(
workflow where(targets: hosts) -> list<string> {
  let r = run command "echo $WF_HOST" on targets
  var names: list<string> = []
  for jr in r.results {
    names = names + [jr.host + "=" + jr.stdout.trim()]
  }
  return names
}
)");
  const int64_t id = start(*api_, name, {{"hosts", {"web1", "web2"}}});
  json end = wait_ended(*api_, id);
  ASSERT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], json({"web1=web1", "web2=web2"}));
  auto jobs = body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id)));
  EXPECT_EQ(jobs["items"].size(), 2u);
}

TEST_F(Lifecycle, AnInstanceParkedAtAnApprovalSurvivesAKilledServer) {
  const std::string name = push(R"(
workflow gated() -> string {
  sleep 200ms
  approve "Go ahead?"
  sleep 1s
  return "done"
}
)");
  const int64_t id = start(*api_, name, json::object());
  const int64_t a = pending_approval(id);
  ASSERT_GT(a, 0);
  service_->kill9();
  ASSERT_TRUE(service_->start()) << service_->log();
  api_ = service_->admin();
  EXPECT_EQ(instance(*api_, id)["pause_reason"], "approval");
  respond(a, "approve");
  // Killed again during the second sleep: its timer is re-armed from the store.
  ASSERT_TRUE(wait_until([&] { return instance(*api_, id)["pause_reason"] == "delay"; }));
  service_->kill9();
  ASSERT_TRUE(service_->start()) << service_->log();
  api_ = service_->admin();
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "completed");
  EXPECT_EQ(end["result"], "done");
}

}  // namespace

// What a heartbeat's `running` list does in a real `wf serve`, driven through the agent API by
// hand: a started job the agent stops naming ends failed, but only once it started before the
// agent's previous heartbeat (a start crossing a heartbeat is spared); a handed-out job not named
// goes back to the queue, after a restart of the service too; a named job an operator cancelled,
// or whose step timed out, is in the answer's `cancel`.
#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class AgentHeartbeat : public ServiceTest {
 protected:
  AgentHeartbeat() : ServiceTest("wf-agent-heartbeat") {}
  void SetUp() override {
    ServiceTest::SetUp();
    wf::client::HttpClient anonymous(service_->url());
    auto r = anonymous.post("/api/v1/agents/register",
                            json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "web1"}}).dump());
    ASSERT_EQ(r.status, 201) << r.body;
    agent_ = std::make_unique<wf::client::HttpClient>(service_->url(), body_json(r)["token"].get<std::string>());
  }
  // The service compares millisecond times: two steps a test orders must not share one.
  static void next_millisecond() { std::this_thread::sleep_for(std::chrono::milliseconds(3)); }
  json heartbeat(const std::vector<int64_t>& running, bool host_restarted = false) {
    next_millisecond();
    json body = {{"running", running}};
    if (host_restarted) body["host_restarted"] = true;
    auto r = agent_->post("/api/v1/agents/heartbeat", body.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    next_millisecond();
    return body_json(r);
  }
  int64_t handed_out_job() {
    auto created = api_->post("/api/v1/jobs", json({{"host", "web1"}, {"command", "true"}}).dump());
    EXPECT_EQ(created.status, 201) << created.body;
    auto polled = body_json(agent_->post("/api/v1/agents/poll", json({{"max_jobs", 1}, {"wait_ms", 0}}).dump()));
    EXPECT_EQ(polled["jobs"].size(), 1u) << polled.dump();
    return polled["jobs"].empty() ? 0 : polled["jobs"][0]["id"].get<int64_t>();
  }
  int64_t started_job() {
    const int64_t id = handed_out_job();
    EXPECT_EQ(agent_->post("/api/v1/agents/jobs/" + std::to_string(id) + "/start", "{}").status, 200);
    // The start rides with the next commit, or goes alone within a moment.
    EXPECT_TRUE(wait_until([&] { return job(id)["status"] == "running"; }, std::chrono::seconds(5)));
    return id;
  }
  json job(int64_t id) { return body_json(api_->get("/api/v1/jobs/" + std::to_string(id))); }

  std::unique_ptr<wf::client::HttpClient> agent_;
};

TEST_F(AgentHeartbeat, AStartedJobTheAgentStopsNamingEndsFailedAfterOneHeartbeatOfGrace) {
  heartbeat({});
  const int64_t id = started_job();
  heartbeat({});  // the start may have crossed this heartbeat: spared
  EXPECT_EQ(job(id)["status"], "running");
  heartbeat({});
  const json ended = job(id);
  EXPECT_EQ(ended["status"], "failed") << ended.dump();
  EXPECT_EQ(ended["error"], "agent no longer runs this job");
}

TEST_F(AgentHeartbeat, AHandedOutJobTheAgentDoesNotNameGoesBackToTheQueue) {
  heartbeat({});
  const int64_t id = handed_out_job();
  // The hand-out was committed before the poll answered.
  EXPECT_EQ(job(id)["status"], "dispatched");
  heartbeat({});
  EXPECT_EQ(job(id)["status"], "dispatched");
  heartbeat({});
  EXPECT_EQ(job(id)["status"], "queued");
  // Its late start is refused: it will be handed out again.
  EXPECT_EQ(agent_->post("/api/v1/agents/jobs/" + std::to_string(id) + "/start", "{}").status, 409);
}

// The agent may be running what it was handed: a restart of the service leaves the job with it,
// and its heartbeats decide — named, it stays until its report; not named, it goes back to the
// queue.
TEST_F(AgentHeartbeat, AHandedOutJobStaysWithItsAgentAcrossARestartOfTheService) {
  heartbeat({});
  const int64_t kept = handed_out_job();
  const int64_t lost = handed_out_job();
  service_->kill9();
  ASSERT_TRUE(service_->start());
  EXPECT_EQ(job(kept)["status"], "dispatched");
  EXPECT_EQ(job(lost)["status"], "dispatched");
  heartbeat({kept});  // the first heartbeat a service hears from an agent judges nothing
  heartbeat({kept});
  EXPECT_EQ(job(kept)["status"], "dispatched");
  EXPECT_EQ(job(lost)["status"], "queued");
  auto done = agent_->post("/api/v1/agents/jobs/" + std::to_string(kept) + "/complete",
                           json({{"status", "completed"}, {"exit_code", 0}, {"duration_ms", 5}}).dump());
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(job(kept)["status"], "completed");
}

// A restart of the agent's host may have taken the journal line of a job the agent had just
// started: a handed-out job it no longer names may have run, so it ends failed (a failure a retry
// may pass) instead of going back to the queue.
TEST_F(AgentHeartbeat, AHandedOutJobLostInARestartOfTheHostEndsFailed) {
  heartbeat({});
  const int64_t id = handed_out_job();
  heartbeat({}, true);
  EXPECT_EQ(job(id)["status"], "dispatched");  // handed out after the previous heartbeat: spared
  heartbeat({});
  const json ended = job(id);
  EXPECT_EQ(ended["status"], "failed") << ended.dump();
  EXPECT_EQ(ended["error"], "the agent's host restarted after the job was handed to it; it may have started");
  // Told once: a later handed-out job the agent does not name goes back to the queue again.
  const int64_t later = handed_out_job();
  heartbeat({});
  heartbeat({});
  EXPECT_EQ(job(later)["status"], "queued");
}

TEST_F(AgentHeartbeat, ANamedJobStaysAndACancelledOneIsInTheAnswer) {
  heartbeat({});
  const int64_t id = started_job();
  EXPECT_EQ(heartbeat({id})["cancel"], json::array());
  heartbeat({id});
  EXPECT_EQ(job(id)["status"], "running");
  auto r = api_->post("/api/v1/jobs/" + std::to_string(id) + "/cancel");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_json(r)["status"], "running");
  EXPECT_EQ(heartbeat({id})["cancel"], json::array({id}));
  // The agent kills it and reports it.
  auto done = agent_->post("/api/v1/agents/jobs/" + std::to_string(id) + "/complete",
                           json({{"status", "cancelled"}, {"exit_code", 143}, {"stdout", "partial"}, {"error", "cancelled by an operator"}}).dump());
  ASSERT_EQ(done.status, 200) << done.body;
  const json ended = job(id);
  EXPECT_EQ(ended["status"], "cancelled");
  EXPECT_EQ(ended["stdout"], "partial");
  EXPECT_FALSE(ended["cancel_requested_at"].is_null());
  EXPECT_EQ(heartbeat({})["cancel"], json::array());
}

// The agent runs what it is handed without asking again, so a handed-out job may be running:
// cancelling it asks its agent to stop it, as for a job whose start has been heard.
TEST_F(AgentHeartbeat, CancellingAHandedOutJobAsksItsAgentToStopIt) {
  heartbeat({});
  const int64_t id = handed_out_job();
  auto r = api_->post("/api/v1/jobs/" + std::to_string(id) + "/cancel");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_json(r)["status"], "dispatched");
  EXPECT_FALSE(job(id)["cancel_requested_at"].is_null());
  EXPECT_EQ(heartbeat({id})["cancel"], json::array({id}));
  EXPECT_EQ(agent_->post("/api/v1/agents/jobs/" + std::to_string(id) + "/start", "{}").status, 200);
  auto done = agent_->post("/api/v1/agents/jobs/" + std::to_string(id) + "/complete",
                           json({{"status", "cancelled"}, {"exit_code", 143}, {"error", "cancelled by an operator"}}).dump());
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(job(id)["status"], "cancelled");
  EXPECT_EQ(job(id)["error"], "cancelled by an operator");
}

// A step timeout asks the agent of its handed-out job to stop it, as an operator's cancel does;
// the instance does not wait for that.
TEST_F(AgentHeartbeat, AStepTimeoutAsksTheAgentOfAHandedOutJobToStopIt) {
  const std::string name = push(*api_, "test.wf", R"(
workflow deploy(targets: hosts) {
  step "Deploy" timeout 1s {
    run command "true" on targets
  }
}
)");
  ASSERT_FALSE(name.empty());
  const int64_t instance = start(*api_, name, {{"hosts", {"web1"}}});
  ASSERT_GT(instance, 0);
  int64_t id = 0;
  ASSERT_TRUE(wait_until([&] {
    auto polled = body_json(agent_->post("/api/v1/agents/poll", json({{"max_jobs", 1}, {"wait_ms", 0}}).dump()));
    if (polled.value("jobs", json::array()).empty()) return false;
    id = polled["jobs"][0]["id"].get<int64_t>();
    return true;
  }));
  EXPECT_EQ(wait_ended(*api_, instance, std::chrono::seconds(10))["error"]["kind"], "timeout");
  EXPECT_EQ(job(id)["status"], "dispatched");
  EXPECT_EQ(heartbeat({id})["cancel"], json::array({id}));
  auto done = agent_->post("/api/v1/agents/jobs/" + std::to_string(id) + "/complete",
                           json({{"status", "cancelled"}, {"exit_code", 143}}).dump());
  ASSERT_EQ(done.status, 200) << done.body;
  const json ended = job(id);
  EXPECT_EQ(ended["status"], "cancelled") << ended.dump();
  EXPECT_EQ(ended["error"], "cancelled: step \"Deploy\" timed out") << ended.dump();
}

}  // namespace

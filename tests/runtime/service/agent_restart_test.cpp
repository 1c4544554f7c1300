// Jobs across a kill -9 of a real `wf agent` under a real `wf serve`: the restarted agent reports
// the jobs it was running at once (failed, so a `run`'s retry runs them again), the service ends
// the jobs an agent no longer names in its heartbeats, and an operator cancels a running job.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;
using std::chrono::seconds;

class AgentRestart : public ServiceTest {
 protected:
  AgentRestart() : ServiceTest("wf-agent-restart") {}
  // Starts an agent for web1 (stopped at TearDown with the fixture's); `state` keeps apart agents
  // that must not share a journal.
  Agent& agent(const std::string& state = "web1") {
    agents_.push_back(std::make_unique<Agent>());
    EXPECT_TRUE(agents_.back()->start(*service_, "web1", "", state));
    return *agents_.back();
  }
  // Starts the first agent of web1 and waits until it is registered.
  Agent& registered_agent() {
    Agent& a = agent();
    EXPECT_TRUE(wait_until([&] { return std::filesystem::exists(dir_ / "agent-web1" / "agent.json"); })) << service_->log();
    return a;
  }
  json job(int64_t id) { return body_json(api_->get("/api/v1/jobs/" + std::to_string(id))); }
  int64_t adhoc(const std::string& command) {
    auto r = api_->post("/api/v1/jobs", json({{"host", "web1"}, {"command", command}, {"timeout_ms", 60000}}).dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return body_json(r).value("id", int64_t{0});
  }
  bool wait_job(int64_t id, const std::string& status, std::chrono::milliseconds limit) {
    return wait_until([&] { return job(id).value("status", "") == status; }, limit);
  }
  std::string file(const std::string& name) { return (dir_ / name).string(); }
};

// The jobs' processes are in process groups of their own, so they outlive a kill -9 of the agent
// and finish while it is away; with nobody to read their exit status, the restarted agent reports
// them failed ("the agent restarted while this job ran"), and a `run` with `retry` runs them again.
TEST_F(AgentRestart, JobsRunningAtAKillAreReportedAtTheRestartAndARetryRunsThemAgain) {
  Agent& first = registered_agent();
  const std::string name = push(*api_, "test.wf", fmt::format(R"(
workflow restartable(targets: hosts) {{
  run command "echo x >> {0}; sleep 2" on targets timeout 60s retry 2 every 100ms
}}
)", file("tries")));
  ASSERT_FALSE(name.empty());
  const int64_t instance = start(*api_, name, {{"hosts", {"web1"}}});
  ASSERT_GT(instance, 0);
  const int64_t lone = adhoc("touch " + file("lone-started") + "; sleep 2; touch " + file("lone-done"));
  ASSERT_GT(lone, 0);
  // Both processes run, and the service has heard so: the agent says a job runs once its process
  // exists, so the process may write its file before the service calls the job running.
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(file("lone-started")) && std::filesystem::exists(file("tries")); }))
      << service_->log();
  ASSERT_TRUE(wait_job(lone, "running", seconds(10))) << job(lone).dump();
  ASSERT_TRUE(wait_until([&] {
    auto jobs = body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(instance)))["items"];
    return jobs.size() == 1 && jobs[0].value("status", "") == "running";
  }, seconds(10))) << service_->log();
  first.kill9();
  // The job's process lives on and ends while no agent is there.
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(file("lone-done")); }, seconds(10)));
  EXPECT_EQ(job(lone)["status"], "running");

  agent();
  const auto restarted = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_job(lone, "failed", seconds(15))) << job(lone).dump();
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, seconds(10));
  EXPECT_EQ(job(lone)["error"], "the agent restarted while this job ran");
  const json end = wait_ended(*api_, instance, seconds(20));
  EXPECT_EQ(end["status"], "completed") << end.dump();
  auto jobs = body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(instance)))["items"];
  ASSERT_EQ(jobs.size(), 2u) << jobs.dump();  // newest first
  EXPECT_EQ(jobs[0]["status"], "completed");
  EXPECT_EQ(jobs[1]["status"], "failed");
}

// An agent that lost its journal (a new state folder, so no token either: an admin lets it
// register) names none of the old jobs: the service ends them within a heartbeat or two rather
// than after twice their timeout.
TEST_F(AgentRestart, TheServiceEndsAJobTheAgentNoLongerNames) {
  Agent& first = registered_agent();
  const int64_t id = adhoc("sleep 30");
  ASSERT_TRUE(wait_job(id, "running", seconds(20))) << service_->log();
  first.kill9();
  agent("web1-fresh");
  ASSERT_EQ(api_->post("/api/v1/agents/web1/approve").status, 200);
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_ / "agent-web1-fresh" / "agent.json"); }, seconds(15)));
  const auto restarted = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_job(id, "failed", seconds(20))) << job(id).dump();
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, seconds(15));
  EXPECT_EQ(job(id)["error"], "agent no longer runs this job");
}

TEST_F(AgentRestart, CancellingARunningJobKillsItsProcess) {
  registered_agent();
  const int64_t id = adhoc("echo $$ > " + file("pid") + "; exec sleep 30");
  ASSERT_TRUE(wait_job(id, "running", seconds(20))) << service_->log();
  pid_t pid = 0;
  ASSERT_TRUE(wait_until([&] {
    std::ifstream in(file("pid"));
    return static_cast<bool>(in >> pid) && pid > 0;
  }));
  const auto asked = std::chrono::steady_clock::now();
  auto r = api_->post("/api/v1/jobs/" + std::to_string(id) + "/cancel");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(body_json(r)["cancel_requested_at"].is_null()) << r.body;
  ASSERT_TRUE(wait_job(id, "cancelled", seconds(15))) << job(id).dump();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, seconds(10));
  EXPECT_EQ(job(id)["error"], "cancelled by an operator");
  EXPECT_TRUE(wait_until([&] { return ::kill(pid, 0) != 0; }, seconds(5))) << "the job's process is still there";
  // Ended: a second cancel is a conflict.
  EXPECT_EQ(api_->post("/api/v1/jobs/" + std::to_string(id) + "/cancel").status, 409);
}

// A `run` whose job an operator cancelled fails with `job_failed`, naming the host's job
// `cancelled`; the run's own retry does not run it again.
TEST_F(AgentRestart, AWorkflowWhoseJobIsCancelledFailsWithJobFailed) {
  registered_agent();
  const std::string name = push(*api_, "test.wf", R"(
workflow long_one(targets: hosts) {
  run command "sleep 30" on targets timeout 60s retry 2 every 100ms
}
)");
  ASSERT_FALSE(name.empty());
  const int64_t instance = start(*api_, name, {{"hosts", {"web1"}}});
  ASSERT_GT(instance, 0);
  int64_t id = 0;
  ASSERT_TRUE(wait_until([&] {
    auto jobs = body_json(api_->get("/api/v1/jobs?status=running&instance=" + std::to_string(instance)))["items"];
    if (jobs.empty()) return false;
    id = jobs[0]["id"].get<int64_t>();
    return true;
  })) << service_->log();
  ASSERT_EQ(api_->post("/api/v1/jobs/" + std::to_string(id) + "/cancel").status, 200);
  const json end = wait_ended(*api_, instance, seconds(20));
  EXPECT_EQ(end["status"], "failed") << end.dump();
  EXPECT_EQ(end["error"]["kind"], "job_failed") << end.dump();
  EXPECT_NE(end["error"].value("message", "").find("web1 (cancelled)"), std::string::npos) << end.dump();
  EXPECT_EQ(body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(instance)))["items"].size(), 1u);
}

}  // namespace

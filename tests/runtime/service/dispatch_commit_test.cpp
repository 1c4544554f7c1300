// A job's hand-out is stored before its agent hears of it, in the unit that creates the job when
// the agent already waits; the agent's start of it rides with the next commit.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

class DispatchCommit : public ServiceTest {
 protected:
  DispatchCommit() : ServiceTest("wf-dispatch-commit") {}

  // Registers a host the way an agent does and returns a client with its token.
  std::unique_ptr<client::HttpClient> register_agent(const std::string& host) {
    client::HttpClient anonymous(service_->url());
    const auto r = anonymous.post("/api/v1/agents/register",
                                  json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", host}}).dump());
    if (r.status != 201) return nullptr;
    // Its audit row is written after the answer: stored before a test counts commits.
    if (!audit_rows_reach("agent.register", ++registrations_)) return nullptr;
    return std::make_unique<client::HttpClient>(service_->url(), body_json(r)["token"].get<std::string>());
  }

  // Queues a job on `host` and waits until its request's audit row is stored too; its id or 0.
  int64_t queue_job(const std::string& host) {
    const auto r = api_->post("/api/v1/jobs", json({{"host", host}, {"command", "true"}}).dump());
    if (r.status != 201) return 0;
    const int64_t queued = ++jobs_queued_;
    if (!audit_rows_reach("jobs.manage", queued)) return 0;
    return body_json(r).value("id", int64_t{0});
  }
  // Whether the audit log comes to hold `count` rows of `action` (they are written after answers).
  bool audit_rows_reach(const std::string& action, int64_t count) {
    return wait_until([&] {
      return body_json(api_->get("/api/v1/audit?count=true&action=" + action)).value("total", int64_t{0}) == count;
    });
  }

  // A figure of /metrics; -1 when it is not there.
  int64_t gauge(const std::string& metric) {
    const auto r = api_->get("/metrics");
    const std::string name = metric + " ";
    const size_t at = r.body.find("\n" + name);
    if (!r.ok() || at == std::string::npos) return -1;
    return std::stoll(r.body.substr(at + 1 + name.size()));
  }
  // The store's transactions so far.
  int64_t commits() { return gauge("wf_store_commits_total"); }

  std::string job_status(int64_t id) { return body_json(api_->get("/api/v1/jobs/" + std::to_string(id))).value("status", ""); }

  int64_t registrations_ = 0, jobs_queued_ = 0;
};

// A job created while an agent of its host waits in a poll is handed to it in the unit that
// creates it: one commit (and one for the request's audit row), and the poll answers once it is
// stored.
TEST_F(DispatchCommit, AJobCreatedWhileItsAgentPollsIsHandedOutInTheSameCommit) {
  auto agent = register_agent("web1");
  ASSERT_TRUE(agent);
  for (int round = 0; round < 3; ++round) {
    client::HttpResult poll;
    std::thread poller([&] { poll = agent->post("/api/v1/agents/poll", json({{"max_jobs", 1}, {"wait_ms", 10000}}).dump()); });
    // The poll waits in the engine before the job is created (a job created first would be
    // queued and handed out by a commit of its own).
    ASSERT_TRUE(wait_until([&] { return gauge("wf_agent_polls_waiting") == 1; })) << round;
    const int64_t before = commits();
    ASSERT_GE(before, 0);
    const int64_t id = queue_job("web1");
    poller.join();
    ASSERT_GT(id, 0);
    ASSERT_EQ(poll.status, 200) << poll.body;
    ASSERT_EQ(body_json(poll)["jobs"].size(), 1u) << poll.body;
    EXPECT_EQ(body_json(poll)["jobs"][0].value("id", int64_t{0}), id);
    // The job's unit, and then the audit row of its request (queue_job waits for it).
    EXPECT_EQ(commits() - before, 2) << round;
    EXPECT_EQ(job_status(id), "dispatched");
    const auto done = agent->post("/api/v1/agents/jobs/" + std::to_string(id) + "/complete",
                                  json({{"status", "completed"}, {"exit_code", 0}, {"duration_ms", 1}}).dump());
    ASSERT_EQ(done.status, 200) << done.body;
  }
}

// A job queued before the poll came is handed out by a commit of its own, stored before the poll
// answers: the agent runs what it is handed without asking again.
TEST_F(DispatchCommit, AQueuedJobIsStoredAsHandedOutBeforeThePollAnswers) {
  auto agent = register_agent("web2");
  ASSERT_TRUE(agent);
  const int64_t id = queue_job("web2");
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_until([&] { return job_status(id) == "queued"; }));
  const auto poll = agent->post("/api/v1/agents/poll", json({{"max_jobs", 1}, {"wait_ms", 5000}}).dump());
  ASSERT_EQ(poll.status, 200) << poll.body;
  ASSERT_EQ(body_json(poll)["jobs"].size(), 1u) << poll.body;
  EXPECT_EQ(job_status(id), "dispatched");
}

// The start needs no commit of its own (the hand-out before it keeps the job from running twice):
// it rides with the job's report, or goes alone within a moment when no report comes.
TEST_F(DispatchCommit, TheStartRidesWithTheReport) {
  auto agent = register_agent("web3");
  ASSERT_TRUE(agent);
  int alone = 0;
  for (int round = 0; round < 5; ++round) {
    const int64_t id = queue_job("web3");
    ASSERT_GT(id, 0);
    ASSERT_TRUE(wait_until([&] { return job_status(id) == "queued"; }));
    const auto poll = agent->post("/api/v1/agents/poll", json({{"max_jobs", 1}, {"wait_ms", 0}}).dump());
    ASSERT_EQ(body_json(poll)["jobs"].size(), 1u) << poll.body;
    const int64_t before = commits();
    ASSERT_EQ(agent->post("/api/v1/agents/jobs/" + std::to_string(id) + "/start", "{}").status, 200);
    const auto done = agent->post("/api/v1/agents/jobs/" + std::to_string(id) + "/complete",
                                  json({{"status", "completed"}, {"exit_code", 0}, {"duration_ms", 1}}).dump());
    ASSERT_EQ(done.status, 200) << done.body;
    // On a machine too busy to send the report within the ride's wait, the start goes alone.
    alone += commits() - before == 2 ? 1 : 0;
    const json stored = body_json(api_->get("/api/v1/jobs/" + std::to_string(id)));
    EXPECT_EQ(stored["status"], "completed");
    EXPECT_FALSE(stored["started_at"].is_null()) << stored.dump();
  }
  EXPECT_LE(alone, 2);
  const int64_t id = queue_job("web3");
  ASSERT_TRUE(wait_until([&] { return job_status(id) == "queued"; }));
  ASSERT_EQ(body_json(agent->post("/api/v1/agents/poll", json({{"max_jobs", 1}, {"wait_ms", 0}}).dump()))["jobs"].size(), 1u);
  ASSERT_EQ(agent->post("/api/v1/agents/jobs/" + std::to_string(id) + "/start", "{}").status, 200);
  EXPECT_TRUE(wait_until([&] { return job_status(id) == "running"; }, std::chrono::seconds(5))) << job_status(id);
}

}  // namespace
}  // namespace wf::testing

// A job's dispatch is committed with the agent's start of it, not in a commit of its own that the
// start would wait behind; a dispatch that no start follows still reaches the store on its own.
#include <gtest/gtest.h>

#include <string>
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
    return std::make_unique<client::HttpClient>(service_->url(), body_json(r)["token"].get<std::string>());
  }

  int64_t queue_job(const std::string& host) {
    const auto r = api_->post("/api/v1/jobs", json({{"host", host}, {"command", "true"}}).dump());
    return r.status == 201 ? body_json(r).value("id", int64_t{0}) : 0;
  }

  // The store's transactions so far, from /metrics.
  int64_t commits() {
    const auto r = api_->get("/metrics");
    const std::string name = "wf_store_commits_total ";
    const size_t at = r.body.find("\n" + name);
    if (!r.ok() || at == std::string::npos) return -1;
    return std::stoll(r.body.substr(at + 1 + name.size()));
  }

  std::string job_status(int64_t id) { return body_json(api_->get("/api/v1/jobs/" + std::to_string(id))).value("status", ""); }
};

TEST_F(DispatchCommit, TheStartCarriesTheDispatchInOneCommit) {
  auto agent = register_agent("web1");
  ASSERT_TRUE(agent);
  // Before: the dispatch's commit, then the start's, two transactions (one only when the writer
  // happens not to run between the poll's answer and the start). The dispatch waits a while for
  // the start to ride with, so on a machine too busy to send the start in that while an exchange
  // may still take two; most of them must take one.
  int in_one = 0;
  std::vector<int64_t> counts;
  for (int round = 0; round < 5; ++round) {
    const int64_t id = queue_job("web1");
    ASSERT_GT(id, 0);
    ASSERT_TRUE(wait_until([&] { return job_status(id) == "queued"; }));
    const int64_t before = commits();
    ASSERT_GE(before, 0);
    const auto poll = agent->post("/api/v1/agents/poll", json({{"max_jobs", 1}, {"wait_ms", 0}}).dump());
    ASSERT_EQ(poll.status, 200) << poll.body;
    ASSERT_EQ(body_json(poll)["jobs"].size(), 1u) << poll.body;
    ASSERT_EQ(body_json(poll)["jobs"][0].value("id", int64_t{0}), id);
    const auto started = agent->post("/api/v1/agents/jobs/" + std::to_string(id) + "/start", "{}");
    ASSERT_EQ(started.status, 200) << started.body;
    counts.push_back(commits() - before);
    in_one += counts.back() == 1 ? 1 : 0;
    EXPECT_EQ(job_status(id), "running");
    const auto done = agent->post("/api/v1/agents/jobs/" + std::to_string(id) + "/complete",
                                  json({{"status", "completed"}, {"exit_code", 0}, {"stdout", ""}, {"stderr", ""}, {"duration_ms", 1}}).dump());
    ASSERT_EQ(done.status, 200) << done.body;
  }
  EXPECT_GE(in_one, 3) << "transactions for a poll and a start, per round: " << ::testing::PrintToString(counts);
}

TEST_F(DispatchCommit, ADispatchWithoutAStartIsStoredAlone) {
  auto agent = register_agent("web2");
  ASSERT_TRUE(agent);
  const int64_t id = queue_job("web2");
  ASSERT_GT(id, 0);
  const auto poll = agent->post("/api/v1/agents/poll", json({{"max_jobs", 1}, {"wait_ms", 5000}}).dump());
  ASSERT_EQ(poll.status, 200) << poll.body;
  ASSERT_EQ(body_json(poll)["jobs"].size(), 1u) << poll.body;
  // Nothing else happens on the service: the dispatch is committed by itself, soon.
  EXPECT_TRUE(wait_until([&] { return job_status(id) == "dispatched"; }, std::chrono::seconds(5))) << job_status(id);
}

}  // namespace
}  // namespace wf::testing

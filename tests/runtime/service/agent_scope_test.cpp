// An agent's token reaches only its own host's jobs (SPEC §4.7): another agent neither gets them
// from a poll nor starts, streams, completes or fetches the credential of one handed to its host.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

class AgentScope : public ServiceTest {
 protected:
  AgentScope() : ServiceTest("wf-agent-scope") {}

  std::unique_ptr<client::HttpClient> registered(const std::string& host) {
    client::HttpClient anonymous(service_->url());
    const auto r = anonymous.post("/api/v1/agents/register", json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", host}}).dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return std::make_unique<client::HttpClient>(service_->url(), body_json(r).value("token", ""));
  }
};

TEST_F(AgentScope, AnAgentReachesOnlyItsOwnHostsJobs) {
  auto web1 = registered("web1");
  auto web2 = registered("web2");
  const auto made = api_->post("/api/v1/jobs", json({{"host", "web1"}, {"command", "true"}}).dump());
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = std::to_string(body_json(made).value("id", int64_t{0}));

  // web2's poll does not get it; web1's does.
  auto other_poll = web2->post("/api/v1/agents/poll", R"({"max_jobs": 5, "wait_ms": 200})");
  ASSERT_EQ(other_poll.status, 200) << other_poll.body;
  EXPECT_TRUE(body_json(other_poll)["jobs"].empty()) << other_poll.body;
  auto poll = web1->post("/api/v1/agents/poll", R"({"max_jobs": 5, "wait_ms": 5000})");
  ASSERT_EQ(poll.status, 200) << poll.body;
  ASSERT_EQ(body_json(poll)["jobs"].size(), 1u) << poll.body;

  // Handed to web1, it is out of web2's reach on every agent endpoint.
  const std::string base = "/api/v1/agents/jobs/" + id;
  EXPECT_EQ(web2->post(base + "/start", "{}").status, 409);
  EXPECT_EQ(web2->post(base + "/output", R"({"stream": "stdout", "data": "forged"})").status, 409);
  EXPECT_EQ(web2->post(base + "/complete", R"({"status": "completed", "exit_code": 0})").status, 409);
  const auto credential = web2->get(base + "/credential");
  EXPECT_GE(credential.status, 400) << credential.body;
  EXPECT_LT(credential.status, 500) << credential.body;
  // web1 runs it as its own.
  ASSERT_EQ(web1->post(base + "/start", "{}").status, 200);
  ASSERT_EQ(web1->post(base + "/complete", R"({"status": "completed", "exit_code": 0, "stdout": "mine"})").status, 200);
  const json job = body_json(api_->get("/api/v1/jobs/" + id));
  EXPECT_EQ(job["status"], "completed") << job.dump();
  EXPECT_EQ(job["stdout"], "mine") << job.dump();
}

}  // namespace
}  // namespace wf::testing

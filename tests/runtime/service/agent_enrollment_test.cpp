// Registration against a real `wf serve`: the enrollment secret alone cannot take over a host
// whose agent is live (its token, or an admin's approval, is needed), and the secret can be
// rotated without disturbing registered agents.
#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class AgentEnrollment : public ServiceTest {
 protected:
  AgentEnrollment() : ServiceTest("wf-agent-enrollment") {}
  wf::client::HttpResult enroll(const std::string& host, const std::string& secret, const std::string& token = "") {
    json body = {{"enrollment_secret", secret}, {"hostname", host}};
    if (!token.empty()) body["token"] = token;
    wf::client::HttpClient anonymous(service_->url());
    return anonymous.post("/api/v1/agents/register", body.dump());
  }
  std::string token_of(const wf::client::HttpResult& r) { return body_json(r).value("token", ""); }
  int heartbeat(const std::string& token) {
    wf::client::HttpClient agent(service_->url(), token);
    return agent.post("/api/v1/agents/heartbeat", json({{"running", json::array()}}).dump()).status;
  }
};

TEST_F(AgentEnrollment, ALiveHostRegistersAgainOnlyWithItsTokenOrAnApproval) {
  const std::string secret = service_->enroll_secret();
  auto first = enroll("web9", secret);
  ASSERT_EQ(first.status, 201) << first.body;
  const std::string token = token_of(first);
  ASSERT_EQ(heartbeat(token), 200);

  // The secret alone: refused, saying how to get in.
  auto taken = enroll("web9", secret);
  EXPECT_EQ(taken.status, 409) << taken.body;
  const std::string message = body_json(taken)["error"].value("message", "");
  EXPECT_NE(message.find("wf agent approve web9"), std::string::npos) << message;
  EXPECT_NE(message.find("POST /api/v1/agents/web9/approve"), std::string::npos) << message;
  EXPECT_EQ(heartbeat(token), 200) << "the live agent keeps its token";

  // Its own agent, presenting its token: a new token, the old one replaced.
  auto again = enroll("web9", secret, token);
  ASSERT_EQ(again.status, 201) << again.body;
  const std::string renewed = token_of(again);
  EXPECT_EQ(heartbeat(token), 401);
  EXPECT_EQ(enroll("web9", secret, token).status, 409) << "a replaced token proves nothing";

  // An admin's approval lets one registration in.
  EXPECT_EQ(api_->post("/api/v1/agents/nowhere/approve").status, 404);
  auto approved = api_->post("/api/v1/agents/web9/approve");
  ASSERT_EQ(approved.status, 200) << approved.body;
  auto replaced = enroll("web9", secret);
  ASSERT_EQ(replaced.status, 201) << replaced.body;
  EXPECT_EQ(heartbeat(renewed), 401);
  EXPECT_EQ(enroll("web9", secret).status, 409) << "an approval is used once";

  // A host nobody registered, or whose agent is gone, needs no more than the secret.
  EXPECT_EQ(enroll("web10", secret).status, 201);
}

TEST_F(AgentEnrollment, ARotatedSecretReplacesTheOldOneAndAgentsKeepTheirTokens) {
  const std::string old_secret = service_->enroll_secret();
  auto first = enroll("web1", old_secret);
  ASSERT_EQ(first.status, 201) << first.body;
  auto rotated = api_->post("/api/v1/agents/enrollment/rotate");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string new_secret = body_json(rotated).value("enrollment_secret", "");
  ASSERT_FALSE(new_secret.empty());
  EXPECT_NE(new_secret, old_secret);
  EXPECT_EQ(enroll("web2", old_secret).status, 401);
  EXPECT_EQ(enroll("web2", new_secret).status, 201);
  EXPECT_EQ(heartbeat(token_of(first)), 200);
  // Only an admin rotates.
  wf::client::HttpClient agent(service_->url(), token_of(first));
  EXPECT_EQ(agent.post("/api/v1/agents/enrollment/rotate", "{}").status, 403);
}

}  // namespace

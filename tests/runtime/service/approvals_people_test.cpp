// Approvals count people (SPEC §4.7): the responder is the authenticated user, one person's vote
// counts once, `by [...]` is enforced, an administrator who is not an approver decides, and an
// administrator may record a listed approver's answer on their behalf (recorded as such).
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

class ApprovalsPeople : public ServiceTest {
 protected:
  ApprovalsPeople() : ServiceTest("wf-approvals-people") {}

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(api_->post("/api/v1/roles", json({{"name", "dba"}, {"permissions", {"workflows.view", "workflows.execute"}}}).dump()).status,
              201);
    alice_ = person("alice", {"dba"});
    bob_ = person("bob", {"dba"});
    carol_ = person("carol", {"operator"});  // may execute, but is not a dba
    ASSERT_FALSE(push(*api_, "gate.wf", R"(
workflow gate() -> list<string> {
  let a = approve "Drop the old tables?" by [role("dba")] quorum two_of_many timeout 1h
  return a.responded_by
}
)").empty());
  }

  // A user holding `roles`, with a client of their own.
  std::unique_ptr<client::HttpClient> person(const std::string& name, const json& roles) {
    EXPECT_EQ(api_->post("/api/v1/users", json({{"name", name}, {"roles", roles}}).dump()).status, 201);
    auto token = api_->post("/api/v1/tokens", json({{"user", name}}).dump());
    EXPECT_EQ(token.status, 201) << token.body;
    return std::make_unique<client::HttpClient>(service_->url(), body_json(token).value("token", ""));
  }

  // A started `gate` and its pending request's id.
  std::pair<int64_t, int64_t> gate() {
    const int64_t instance = start(*api_, "gate", json::object());
    EXPECT_GT(instance, 0);
    int64_t approval = 0;
    EXPECT_TRUE(wait_until([&] {
      auto list = body_json(api_->get("/api/v1/approvals?status=pending&instance=" + std::to_string(instance)));
      if (list.value("items", json::array()).empty()) return false;
      approval = list["items"][0].value("id", int64_t{0});
      return true;
    }));
    return {instance, approval};
  }

  static client::HttpResult respond(client::HttpClient& who, int64_t approval, const json& body) {
    return who.post("/api/v1/approvals/" + std::to_string(approval) + "/respond", body.dump());
  }

  json approval(int64_t id) { return body_json(api_->get("/api/v1/approvals/" + std::to_string(id))); }

  std::unique_ptr<client::HttpClient> alice_, bob_, carol_;
};

TEST_F(ApprovalsPeople, TwoOfManyNeedsTwoDifferentPeople) {
  auto [instance, id] = gate();
  ASSERT_GT(id, 0);
  auto first = respond(*alice_, id, {{"decision", "approve"}, {"via", "cli"}});
  ASSERT_EQ(first.status, 200) << first.body;
  // Her second vote is refused, and counts for nothing.
  auto again = respond(*alice_, id, {{"decision", "approve"}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(body_json(again)["error"]["code"], "conflict");
  EXPECT_EQ(approval(id)["status"], "pending");
  EXPECT_EQ(approval(id)["responses"].size(), 1u);
  // A body naming someone else does not make her two people.
  auto as_bob = respond(*alice_, id, {{"decision", "approve"}, {"who", "bob"}});
  EXPECT_EQ(as_bob.status, 403) << as_bob.body;
  EXPECT_EQ(approval(id)["status"], "pending");

  auto second = respond(*bob_, id, {{"decision", "approve"}});
  ASSERT_EQ(second.status, 200) << second.body;
  const json decided = approval(id);
  EXPECT_EQ(decided["status"], "approved") << decided.dump();
  ASSERT_EQ(decided["responses"].size(), 2u);
  EXPECT_EQ(decided["responses"][0]["who"], "alice");
  EXPECT_EQ(decided["responses"][0]["via"], "cli");
  EXPECT_EQ(decided["responses"][1]["who"], "bob");
  const json done = wait_ended(*api_, instance);
  EXPECT_EQ(done["status"], "completed") << done.dump();
  EXPECT_EQ(done["result"], json({"alice", "bob"})) << done.dump();
}

TEST_F(ApprovalsPeople, SomeoneOutsideByIsRefused) {
  auto [instance, id] = gate();
  ASSERT_GT(id, 0);
  auto r = respond(*carol_, id, {{"decision", "approve"}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(body_json(r)["error"]["code"], "forbidden");
  EXPECT_EQ(approval(id)["status"], "pending");
  EXPECT_TRUE(approval(id)["responses"].empty());
  // A viewer may not respond at all.
  auto viewer = person("vic", {"viewer"});
  EXPECT_EQ(respond(*viewer, id, {{"decision", "approve"}}).status, 403);
}

TEST_F(ApprovalsPeople, AnAdministratorWhoIsNotAnApproverDecides) {
  auto [instance, id] = gate();
  ASSERT_GT(id, 0);
  auto r = respond(*api_, id, {{"decision", "reject"}, {"note", "not tonight"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json decided = approval(id);
  EXPECT_EQ(decided["status"], "rejected") << decided.dump();
  EXPECT_EQ(decided["responses"][0]["who"], "admin");
  EXPECT_EQ(wait_ended(*api_, instance)["status"], "completed");
}

TEST_F(ApprovalsPeople, AnAdministratorRecordsAnApproversAnswerOnTheirBehalf) {
  auto [instance, id] = gate();
  ASSERT_GT(id, 0);
  auto r = respond(*api_, id, {{"decision", "approve"}, {"who", "alice"}, {"note", "by phone"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json a = approval(id);
  EXPECT_EQ(a["status"], "pending") << "one vote of two";
  EXPECT_EQ(a["responses"][0]["who"], "alice");
  EXPECT_EQ(a["responses"][0]["recorded_by"], "admin");
  // It is alice's vote: she cannot cast another, and only a listed approver can be named.
  EXPECT_EQ(respond(*alice_, id, {{"decision", "approve"}}).status, 409);
  EXPECT_EQ(respond(*api_, id, {{"decision", "approve"}, {"who", "carol"}}).status, 403);
  EXPECT_EQ(respond(*api_, id, {{"decision", "approve"}, {"who", "nobody-here"}}).status, 400);
  ASSERT_EQ(respond(*bob_, id, {{"decision", "approve"}}).status, 200);
  const json done = wait_ended(*api_, instance);
  EXPECT_EQ(done["result"], json({"alice", "bob"})) << done.dump();
}

}  // namespace
}  // namespace wf::testing

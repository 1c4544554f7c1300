// Answers an operator relies on: pushing a source that has not changed answers the version it
// already is (no new version), and a signal that no `wait event` is waiting for says it was kept,
// not delivered — and is taken by the wait when it comes.
#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class OperatorAnswers : public ServiceTest {
 protected:
  OperatorAnswers() : ServiceTest("wf-answers") {}
};

json push_source(wf::client::HttpClient& c, const std::string& source) {
  auto r = c.post("/api/v1/definitions", json({{"source", source}, {"file", "w.wf"}}).dump());
  EXPECT_EQ(r.status, 201) << r.body;
  return body_json(r)["definitions"][0];
}

TEST_F(OperatorAnswers, PushingUnchangedSourceAnswersTheVersionItAlreadyIs) {
  const std::string source = "workflow w() -> int {\n  return 1\n}\n";
  json first = push_source(*api_, source);
  EXPECT_EQ(first["version"], 1);
  EXPECT_EQ(first["unchanged"], false);
  json again = push_source(*api_, source);
  EXPECT_EQ(again["version"], 1) << again.dump();
  EXPECT_EQ(again["unchanged"], true);
  EXPECT_EQ(again["module_hash"], first["module_hash"]);
  EXPECT_EQ(body_json(api_->get("/api/v1/definitions/w/versions"))["total"], 1);
  json changed = push_source(*api_, "workflow w() -> int {\n  return 2\n}\n");
  EXPECT_EQ(changed["version"], 2);
  EXPECT_EQ(changed["unchanged"], false);
}

TEST_F(OperatorAnswers, ASignalNobodyWaitsForIsKeptAndSaysSo) {
  ASSERT_FALSE(push(*api_, "late.wf", R"(
workflow late() -> json {
  sleep 300ms
  let payload = wait event "ready" timeout 30s
  return payload
}
)").empty());
  const int64_t id = start(*api_, "late", json::object());
  ASSERT_GT(id, 0);
  // Sent while the instance sleeps: kept, not delivered.
  auto r = api_->post("/api/v1/instances/" + std::to_string(id) + "/signal", R"({"event": "ready", "payload": {"n": 1}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_json(r), json({{"delivered", false}, {"kept", true}}));
  // The wait takes it when it comes.
  json end = wait_ended(*api_, id);
  ASSERT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], json({{"n", 1}}));
}

TEST_F(OperatorAnswers, AnInactiveDefinitionStartsOnlyWhenForced) {
  push_source(*api_, "workflow w() -> int {\n  return 1\n}\n");
  ASSERT_EQ(api_->request("PATCH", "/api/v1/definitions/w", R"({"active": false})").status, 200);
  auto refused = api_->post("/api/v1/definitions/w/run", "{}");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(body_json(refused)["error"]["code"], "inactive");
  EXPECT_NE(body_json(refused)["error"]["message"].get<std::string>().find("inactive"), std::string::npos);
  EXPECT_EQ(body_json(api_->get("/api/v1/instances?count=true"))["total"], 0);
  // A simulation runs nothing and is allowed; a forced start starts.
  EXPECT_EQ(api_->post("/api/v1/definitions/w/run-test", "{}").status, 200);
  auto forced = api_->post("/api/v1/definitions/w/run", R"({"force": true})");
  ASSERT_EQ(forced.status, 201) << forced.body;
  EXPECT_EQ(wait_ended(*api_, body_json(forced)["id"].get<int64_t>())["status"], "completed");
  ASSERT_EQ(api_->request("PATCH", "/api/v1/definitions/w", R"({"active": true})").status, 200);
  EXPECT_EQ(api_->post("/api/v1/definitions/w/run", "{}").status, 201);
}

TEST_F(OperatorAnswers, AnInstanceBetweenRetriesIsPausedForRetryDelay) {
  Agent agent;
  ASSERT_TRUE(agent.start(*service_, "web1"));
  ASSERT_TRUE(wait_until([&] { return body_json(api_->get("/api/v1/hosts")).value("total", 0) == 1; }));
  ASSERT_FALSE(push(*api_, "flaky.wf", R"(
workflow job_retries(targets: hosts) -> int {
  let r = run command "exit 1" on targets retry 1 every 2s allow_failure
  return r.failed
}
workflow step_retries(targets: hosts) -> int {
  step "Flaky" retry 1 every 2s {
    run command "exit 1" on targets
  }
  return 0
}
)").empty());
  for (const char* workflow : {"job_retries", "step_retries"}) {
    const int64_t id = start(*api_, workflow, {{"hosts", {"web1"}}});
    ASSERT_GT(id, 0) << workflow;
    json d = wait_status(*api_, id, [](const json& d) { return d.value("pause_reason", json()) == "retry_delay"; });
    EXPECT_EQ(d["status"], "paused") << workflow << ": " << d.dump();
    EXPECT_EQ(d["pause_reason"], "retry_delay") << workflow;
    d = wait_ended(*api_, id);
    EXPECT_TRUE(d["status"] == "completed" || d["status"] == "failed") << d.dump();
    EXPECT_EQ(d["pause_reason"], nullptr);
  }
  agent.stop();
}

TEST_F(OperatorAnswers, AnnotationsDescribeTheDefinition) {
  push_source(*api_, R"(
@description("Canary rollout")
@template
@trigger(webhook)
@timeout(2h)
@canary(percent: 10%, threshold: 90%)
workflow rollout() -> int {
  return 1
}
)");
  push_source(*api_, "workflow plain() -> int {\n  return 1\n}\n");
  json d = body_json(api_->get("/api/v1/definitions/rollout"));
  EXPECT_EQ(d["description"], "Canary rollout") << d.dump();
  EXPECT_EQ(d["template"], true);
  EXPECT_EQ(d["trigger"], "webhook");
  EXPECT_EQ(d["timeout_ms"], 2 * 3600 * 1000);
  EXPECT_EQ(d["canary"]["percent"], 10.0);
  EXPECT_EQ(d["canary"]["threshold"], 90.0);
  json plain = body_json(api_->get("/api/v1/definitions/plain"));
  EXPECT_EQ(plain["template"], false);
  EXPECT_EQ(plain["trigger"], "manual");
  EXPECT_EQ(plain["timeout_ms"], nullptr);
  // ?template= filters; the list shows the same fields.
  json templates = body_json(api_->get("/api/v1/definitions?template=true"));
  ASSERT_EQ(templates["total"], 1) << templates.dump();
  EXPECT_EQ(templates["items"][0]["name"], "rollout");
  EXPECT_EQ(templates["items"][0]["trigger"], "webhook");
  EXPECT_EQ(body_json(api_->get("/api/v1/definitions?template=false"))["total"], 1);
  EXPECT_EQ(api_->get("/api/v1/definitions?template=maybe").status, 400);
  // The export carries the description; a clone is never a template.
  EXPECT_EQ(body_json(api_->get("/api/v1/definitions/rollout/export"))["description"], "Canary rollout");
  auto clone = api_->post("/api/v1/definitions/rollout/clone");
  ASSERT_EQ(clone.status, 201) << clone.body;
  EXPECT_EQ(body_json(api_->get("/api/v1/definitions/" + std::to_string(body_json(clone)["id"].get<int64_t>())))["template"], false);
}

TEST_F(OperatorAnswers, AdHocJobsTakePriorityNamesAndOnlyRegisteredHosts) {
  auto reg = api_->post("/api/v1/agents/register", json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "web1"}}).dump());
  ASSERT_EQ(reg.status, 201) << reg.body;
  auto job = api_->post("/api/v1/jobs", R"({"host": "web1", "command": "true", "priority": "high"})");
  ASSERT_EQ(job.status, 201) << job.body;
  EXPECT_EQ(body_json(job)["priority"], "high");
  auto numeric = api_->post("/api/v1/jobs", R"({"host": "web1", "command": "true", "priority": 3})");
  EXPECT_EQ(numeric.status, 400) << numeric.body;
  auto unknown_name = api_->post("/api/v1/jobs", R"({"host": "web1", "command": "true", "priority": "urgent"})");
  EXPECT_EQ(unknown_name.status, 400);
  EXPECT_NE(body_json(unknown_name)["error"]["message"].get<std::string>().find("low, normal, high or critical"), std::string::npos);
  auto nowhere = api_->post("/api/v1/jobs", R"({"host": "db9", "command": "true"})");
  EXPECT_EQ(nowhere.status, 404) << nowhere.body;
  EXPECT_NE(body_json(nowhere)["error"]["message"].get<std::string>().find("registered: web1"), std::string::npos) << nowhere.body;
  EXPECT_EQ(body_json(api_->get("/api/v1/jobs?count=true"))["total"], 1);
}

TEST_F(OperatorAnswers, AVariableHoldingACredentialShowsItsIdentityOnly) {
  ASSERT_EQ(api_->post("/api/v1/vault/identities", R"({"name": "db_admin", "username": "dba", "secret": "s3cret"})").status, 201);
  ASSERT_FALSE(push(*api_, "creds.wf", R"(
workflow creds() -> int {
  checkout cred = pam "db_admin" reason "test" ttl 5m {
    approve "Go on?" timeout 1h
  }
  return 1
}
)").empty());
  const int64_t id = start(*api_, "creds", json::object());
  json d = wait_status(*api_, id, [](const json& d) { return d.value("pause_reason", json()) == "approval"; });
  ASSERT_EQ(d["pause_reason"], "approval") << d.dump();
  EXPECT_EQ(d["variables"]["cred"], "credential(db_admin)") << d["variables"].dump();
  EXPECT_EQ(d.dump().find("s3cret"), std::string::npos);
}

TEST_F(OperatorAnswers, TheVariablesViewShowsOnlyBindingsThatHaveExecuted) {
  ASSERT_FALSE(push(*api_, "pre.wf", R"(
workflow pre(limit: int = 3) -> int {
  let before = limit * 2
  step "Preflight" {
    let answer = approve "Go on?" timeout 1h
  }
  return before
}
)").empty());
  const int64_t id = start(*api_, "pre", json::object());
  json d = wait_status(*api_, id, [](const json& d) { return d.value("pause_reason", json()) == "approval"; });
  ASSERT_EQ(d["pause_reason"], "approval") << d.dump();
  EXPECT_EQ(d["variables"], json({{"limit", 3}, {"before", 6}})) << d["variables"].dump();
}

TEST_F(OperatorAnswers, AnEndpointNotBuiltYetSaysSo) {
  for (const char* path : {"/api/v1/nodes"}) {
    auto r = api_->get(path);
    EXPECT_EQ(r.status, 501) << path << ": " << r.body;
    EXPECT_EQ(body_json(r)["error"]["code"], "not_implemented") << path;
  }
  EXPECT_EQ(api_->get("/api/v1/nothing-like-it").status, 404);
}

}  // namespace

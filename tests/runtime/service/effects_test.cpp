// The effects through the service, with a real agent: job retries and canary batches (the shared
// effect layer), `wait event` with a signal, a child workflow, an ad-hoc job, and a sample run as
// an operator would.
#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class Effects : public ServiceTest {
 protected:
  Effects() : ServiceTest("wf-effects") {}
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    agent("web1");
  }
};

TEST_F(Effects, AFailedJobIsRetriedUntilItPasses) {
  const std::filesystem::path tries = dir_ / "tries";
  ASSERT_FALSE(push(*api_, "retry.wf", R"(
workflow flaky(targets: hosts, tries: string) -> int {
  // Fails twice, then passes.
  let r = run command "echo x >> {{tries}}; test $(wc -l < {{tries}}) -ge 3" on targets retry 3 every 100ms
  return r.results[0].attempts
}
)").empty());
  const int64_t id = start(*api_, "flaky", {{"hosts", {"web1"}}, {"params", {{"tries", tries.string()}}}});
  json end = wait_ended(*api_, id);
  ASSERT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], 3);
  auto jobs = body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id)));
  ASSERT_EQ(jobs["items"].size(), 3u);
  // The log says a retry happened.
  auto log = body_json(api_->get("/api/v1/instances/" + std::to_string(id) + "/log"));
  bool retried = false;
  for (const auto& line : log["items"]) retried = retried || line["kind"] == "retry";
  EXPECT_TRUE(retried) << log.dump();
}

TEST_F(Effects, AnEventDeliveredBySignalResumesTheWait) {
  ASSERT_FALSE(push(*api_, "event.wf", R"(
workflow waits() -> json {
  let payload = wait event "deployed" timeout 30s
  return payload
}
)").empty());
  const int64_t id = start(*api_, "waits", json::object());
  ASSERT_TRUE(wait_until([&] {
    auto d = instance(*api_, id);
    for (const auto& s : d["steps"])
      if (s["kind"] == "wait_event") return true;
    return false;
  }));
  auto r = api_->post("/api/v1/instances/" + std::to_string(id) + "/signal", R"({"event":"deployed","payload":{"version":"1.2"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  json end = wait_ended(*api_, id);
  ASSERT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], json({{"version", "1.2"}}));
}

TEST_F(Effects, AChildWorkflowRunsAsItsOwnInstance) {
  ASSERT_FALSE(push(*api_, "child.wf", R"(
workflow inner(n: int) -> int {
  sleep 50ms
  return n * 2
}
workflow outer() -> int {
  return inner(n: 21)
}
)").empty());
  const int64_t id = start(*api_, "outer", json::object());
  json end = wait_ended(*api_, id);
  ASSERT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], 42);
  auto list = body_json(api_->get("/api/v1/instances?workflow=inner"));
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(instance(*api_, list["items"][0]["id"].get<int64_t>())["parent_id"], id);
}

TEST_F(Effects, AnAdHocJobRunsOnItsHost) {
  auto r = api_->post("/api/v1/jobs", R"({"host":"web1","command":"echo ad-hoc on $WF_HOST; echo done","timeout_ms":10000})");
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t id = body_json(r)["id"].get<int64_t>();
  json job;
  ASSERT_TRUE(wait_until([&] {
    job = body_json(api_->get("/api/v1/jobs/" + std::to_string(id)));
    return job.value("status", "") == "completed";
  })) << job.dump();
  EXPECT_EQ(job["exit_code"], 0);
  EXPECT_NE(job["stdout"].get<std::string>().find("done"), std::string::npos);
}

TEST_F(Effects, TheUptimeSampleRunsThroughTheService) {
  std::ifstream in(std::filesystem::path(WF_SOURCE_DIR) / "samples" / "uptime_report.wf");
  const std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(push(*api_, "uptime_report.wf", source), "uptime_report");
  const int64_t id = start(*api_, "uptime_report", {{"hosts", {"web1"}}, {"params", {{"max_days", 0}}}});
  json end = wait_ended(*api_, id);
  ASSERT_EQ(end["status"], "completed") << end.dump();
  // Up for less than a day, the host is not listed with max_days 0 unless a day has passed.
  EXPECT_TRUE(end["result"].is_array());
}

}  // namespace

namespace {

using namespace wf::testing;
using nlohmann::json;

// SPEC §4.2: a job whose agent is gone ends as `timeout` ("agent unreachable") once it has run
// for twice its timeout, and the instance waiting for it goes on.
TEST(StaleJobs, AJobWhoseAgentDiedTimesOutAndTheInstanceGoesOn) {
  const auto dir = make_temp_dir("wf-stale");
  Service service(dir);
  ASSERT_TRUE(service.start()) << service.log();
  auto api = service.admin();
  Agent agent;
  ASSERT_TRUE(agent.start(service, "web1"));
  ASSERT_TRUE(wait_until([&] { return body_json(api->get("/api/v1/hosts")).value("total", 0) == 1; }));
  ASSERT_EQ(push(*api, "stale.wf", R"(
workflow stale(targets: hosts) -> string {
  let r = run command "sleep 30" on targets timeout 1s allow_failure
  return r.results[0].status
}
)"),
            "stale");
  const int64_t id = start(*api, "stale", {{"hosts", {"web1"}}});
  ASSERT_TRUE(wait_until([&] {
    auto jobs = body_json(api->get("/api/v1/jobs?instance=" + std::to_string(id)));
    return !jobs["items"].empty() && jobs["items"][0]["status"] == "running";
  }));
  agent.kill9();
  json end = wait_ended(*api, id, std::chrono::seconds(30));
  ASSERT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], "timeout");
  auto jobs = body_json(api->get("/api/v1/jobs?instance=" + std::to_string(id)));
  EXPECT_EQ(jobs["items"][0]["status"], "timeout");
  EXPECT_EQ(jobs["items"][0]["error"], "agent unreachable");
  service.stop();
  std::error_code ec;
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir, ec);
}

// SPEC §4.2: a queued job no agent picks up ends `failed` ("Agent did not pick up job") once it has
// waited past `wf serve --stale-queued-after` (30 minutes unless set), and its instance goes on.
TEST(StaleJobs, AQueuedJobNobodyPicksUpFailsAfterTheThresholdAndTheInstanceGoesOn) {
  const auto dir = make_temp_dir("wf-stale-queued");
  // The service's port and data directory, started here with the flag.
  Service service(dir);
  Process serve;
  ASSERT_TRUE(serve.spawn({"serve", "--data", (dir / "data").string(), "--listen", "127.0.0.1:" + std::to_string(service.port()),
                           "--stale-queued-after", "2s"},
                          dir / "serve.log"));
  wf::client::HttpClient probe(service.url());
  ASSERT_TRUE(wait_until([&] { return probe.get("/api/v1/ready", 1000).ok(); }, std::chrono::seconds(60))) << service.log();
  auto api = service.admin();
  Agent agent;
  ASSERT_TRUE(agent.start(service, "web1"));
  ASSERT_TRUE(wait_until([&] { return body_json(api->get("/api/v1/hosts")).value("total", 0) == 1; }));
  agent.stop();  // registered, and gone: nobody will pick the job up
  ASSERT_EQ(push(*api, "unpicked.wf", R"(
workflow unpicked(targets: hosts) -> string {
  let r = run command "true" on targets allow_failure
  return r.results[0].status
}
)"),
            "unpicked");
  const int64_t id = start(*api, "unpicked", {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  json end = wait_ended(*api, id, std::chrono::seconds(30));
  ASSERT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], "failed");
  auto jobs = body_json(api->get("/api/v1/jobs?instance=" + std::to_string(id)));
  EXPECT_EQ(jobs["items"][0]["status"], "failed");
  EXPECT_EQ(jobs["items"][0]["error"], "Agent did not pick up job");
  EXPECT_EQ(serve.terminate(), 0);
  std::error_code ec;
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir, ec);
}

}  // namespace

namespace {

using namespace wf::testing;
using nlohmann::json;

// The vault (SPEC §4.7): an identity's secret is sealed at rest and never answered by the API;
// `checkout` gives the workflow a credential without it; a job run `as` that credential gets the
// secret from its agent, in its environment; the admin token cannot fetch it.
TEST(Vault, ACheckedOutCredentialReachesOnlyTheJobThatRunsAsIt) {
  const auto dir = make_temp_dir("wf-vault");
  Service service(dir);
  ASSERT_TRUE(service.start()) << service.log();
  auto api = service.admin();
  Agent agent;
  ASSERT_TRUE(agent.start(service, "web1"));
  ASSERT_TRUE(wait_until([&] { return body_json(api->get("/api/v1/hosts")).value("total", 0) == 1; }));
  const std::string secret = "s3cr3t-Pa55-" + std::to_string(::getpid());
  auto r = api->post("/api/v1/vault/identities",
                     json({{"name", "db_admin"}, {"username", "dba"}, {"secret", secret}, {"domain", "corp"}}).dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body.find(secret), std::string::npos);
  EXPECT_EQ(api->get("/api/v1/vault/identities").body.find(secret), std::string::npos);
  const std::filesystem::path seen = dir / "seen";
  ASSERT_EQ(push(*api, "vault.wf", R"(
workflow rotate(targets: hosts, out: string) -> string {
  var user = ""
  checkout cred = pam "db_admin" reason "test" ttl 5m {
    run command "echo $WF_CREDENTIAL_USERNAME:$WF_CREDENTIAL_SECRET > {{out}}" on targets as cred
    user = cred.username
  }
  return user
}
)"),
            "rotate");
  const int64_t id = start(*api, "rotate", {{"hosts", {"web1"}}, {"params", {{"out", seen.string()}}}});
  json end = wait_ended(*api, id);
  ASSERT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], "dba");
  std::ifstream in(seen);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "dba:" + secret);
  // Nowhere in the instance, its jobs or the store's file in the clear.
  EXPECT_EQ(body_json(api->get("/api/v1/instances/" + std::to_string(id))).dump().find(secret), std::string::npos);
  auto jobs = body_json(api->get("/api/v1/jobs?instance=" + std::to_string(id)));
  ASSERT_EQ(jobs["items"].size(), 1u);
  const std::string job = std::to_string(jobs["items"][0]["id"].get<int64_t>());
  EXPECT_EQ(api->get("/api/v1/jobs/" + job).body.find(secret), std::string::npos);
  std::ifstream db(dir / "data" / "wf.db", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(db)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find(secret), std::string::npos);
  // The admin token cannot read it; an agent cannot once the job has ended.
  EXPECT_EQ(api->get("/api/v1/agents/jobs/" + job + "/credential").status, 403);
  // A checkout of an identity the vault does not have fails with not_found.
  ASSERT_EQ(push(*api, "missing.wf", R"(
workflow missing() -> string {
  var user = ""
  checkout cred = pam "nobody" reason "test" ttl 5m {
    user = cred.username
  }
  return user
}
)"),
            "missing");
  json failed = wait_ended(*api, start(*api, "missing", json::object()));
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["error"]["kind"], "not_found");
  agent.stop();
  service.stop();
  std::error_code ec;
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir, ec);
}

}  // namespace

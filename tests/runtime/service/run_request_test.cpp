// How a run is asked of the service, through the API and `wf start`: which `hosts` parameter a
// host list binds (a plain list only with exactly one; else an object keyed by parameter), the
// simulation report of `wf start --simulate` in text, and run-and-wait (`?wait=`, `wf start
// --wait`).
#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <thread>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using json = nlohmann::json;

constexpr const char* kMaintain = R"(
workflow maintain(app: hosts, db: hosts) -> list<list<string>> {
  return [hostnames(app), hostnames(db)]
}
)";

constexpr const char* kQuick = R"(
workflow quick(n: int = 2) -> int {
  log "quick"
  return n * 21
}
)";

constexpr const char* kSlow = R"(
workflow slow() -> int {
  sleep 10s
  return 1
}
)";

constexpr const char* kFails = R"(
workflow fails() {
  fail "on purpose"
}
)";

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
  double seconds = 0;
};

class RunRequest : public ServiceTest {
 protected:
  RunRequest() : ServiceTest("wf-run-request") {}

  // `wf ARGS` against this test's service, as its administrator.
  CliRun wf(const std::string& args) {
    CliRun r;
    const auto begin = std::chrono::steady_clock::now();
    const std::string command = std::string("'") + WF_BINARY + "' " + args + " --server " + service_->url() + " --token " +
                                service_->admin_token() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return r;
    std::array<char, 4096> buffer{};
    size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    return r;
  }

  wf::client::HttpResult run(const std::string& workflow, const json& body, const std::string& query = "") {
    return api_->post("/api/v1/definitions/" + workflow + "/run" + query, body.dump());
  }
};

// Two hosts parameters need agents for the names to be known hosts.
class RunBinding : public RunRequest {
 protected:
  void SetUp() override {
    RunRequest::SetUp();
    ASSERT_TRUE(web_.start(*service_, "web1"));
    ASSERT_TRUE(db_.start(*service_, "db1"));
    ASSERT_TRUE(wait_until([&] { return body_json(api_->get("/api/v1/hosts")).value("total", 0) == 2; }));
    ASSERT_EQ(push(*api_, "maintain.wf", kMaintain), "maintain");
  }
  void TearDown() override {
    // The agents run no job here: nothing of theirs needs a clean stop.
    web_.kill9();
    db_.kill9();
    RunRequest::TearDown();
  }
  Agent web_, db_;
};

TEST_F(RunBinding, APlainHostListIsRefusedWhenTheWorkflowHasSeveralHostsParameters) {
  auto r = run("maintain", {{"hosts", {"db1"}}});
  EXPECT_EQ(r.status, 400) << r.body;
  const std::string message = body_json(r)["error"].value("message", "");
  EXPECT_NE(message.find("`hosts` as a list is ambiguous"), std::string::npos) << message;
  EXPECT_NE(message.find("(app, db)"), std::string::npos) << message;
  // Groups are a plain list too.
  r = run("maintain", {{"groups", {"databases"}}});
  EXPECT_EQ(r.status, 400) << r.body;
  // Nothing was started.
  EXPECT_EQ(body_json(api_->get("/api/v1/instances?count=true")).value("total", -1), 0);
}

TEST_F(RunBinding, AnObjectGivesEachHostsParameterItsHosts) {
  auto r = run("maintain", {{"hosts", {{"app", {"web1"}}, {"db", {"db1"}}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  json done = wait_ended(*api_, body_json(r)["id"].get<int64_t>());
  EXPECT_EQ(done.value("status", ""), "completed") << done.dump();
  EXPECT_EQ(done["result"], json::parse(R"([["web1"], ["db1"]])")) << done.dump();
  EXPECT_EQ(done["targets"]["hosts"], json::parse(R"({"app": ["web1"], "db": ["db1"]})")) << done.dump();

  // A key that is no `hosts` parameter, a name given twice, and a value that is no list are 400.
  r = run("maintain", {{"hosts", {{"app", {"web1"}}, {"web", {"db1"}}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("`web` is not a `hosts` parameter"), std::string::npos) << r.body;
  r = run("maintain", {{"hosts", {{"app", {"web1"}}, {"db", {"db1"}}}}, {"params", {{"db", "db1"}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("`db` is given its hosts twice"), std::string::npos) << r.body;
  r = run("maintain", {{"hosts", {{"app", "web1"}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  r = run("maintain", {{"hosts", {{"app", {"web1"}}, {"db", {"nosuchhost"}}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("no registered host `nosuchhost`"), std::string::npos) << r.body;
}

TEST_F(RunBinding, AGroupIsNamedWithAnAtSign) {
  ASSERT_EQ(api_->post("/api/v1/groups", json({{"name", "webs"}, {"hosts", {"web1"}}}).dump()).status, 201);
  auto r = run("maintain", {{"params", {{"app", "@webs"}, {"db", "db1,web1"}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  json done = wait_ended(*api_, body_json(r)["id"].get<int64_t>());
  EXPECT_EQ(done["result"], json::parse(R"([["web1"], ["db1", "web1"]])")) << done.dump();
  r = run("maintain", {{"params", {{"app", "@nosuchgroup"}, {"db", "db1"}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("no host group `nosuchgroup`"), std::string::npos) << r.body;
}

TEST_F(RunBinding, StartWithAmbiguousHostsIsAUsageErrorNamingTheParameters) {
  CliRun r = wf("start maintain --hosts db1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("(app, db)"), std::string::npos) << r.output;
  r = wf("start maintain --param app=web1 --param db=db1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const int64_t id = std::stoll(r.output);
  EXPECT_EQ(wait_ended(*api_, id)["result"], json::parse(R"([["web1"], ["db1"]])"));
}

TEST_F(RunRequest, StartSimulatePrintsTheReportAsSimulateDoes) {
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  CliRun r = wf("start quick --simulate --param n=3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("simulating workflow quick\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  log: quick\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("completed: 63\n"), std::string::npos) << r.output;
  ASSERT_EQ(push(*api_, "fails.wf", kFails), "fails");
  r = wf("start fails --simulate");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("failed: failed: on purpose"), std::string::npos) << r.output;
}

TEST_F(RunRequest, RunAndWaitAnswersTheFinishedInstance) {
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  auto r = run("quick", json::object(), "?wait=30s");
  ASSERT_EQ(r.status, 200) << r.body;
  json detail = body_json(r);
  EXPECT_EQ(detail.value("status", ""), "completed") << r.body;
  EXPECT_EQ(detail["result"], 42) << r.body;
  EXPECT_TRUE(detail.contains("steps")) << r.body;

  ASSERT_EQ(push(*api_, "fails.wf", kFails), "fails");
  r = run("fails", json::object(), "?wait=30s");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_json(r).value("status", ""), "failed") << r.body;
  EXPECT_EQ(body_json(r).value("error_message", ""), "on purpose") << r.body;
}

// An instance that ends in a later transition than its first (after a sleep here; after its jobs
// in a CI script) is answered when it ends, not when the wait runs out.
TEST_F(RunRequest, RunAndWaitAnswersAnInstanceThatEndsLater) {
  ASSERT_EQ(push(*api_, "nap.wf", "workflow nap() -> int {\n  sleep 300ms\n  return 7\n}\n"), "nap");
  const auto begin = std::chrono::steady_clock::now();
  auto r = run("nap", json::object(), "?wait=20s");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_json(r).value("status", ""), "completed") << r.body;
  EXPECT_EQ(body_json(r)["result"], 7) << r.body;
  EXPECT_LT(seconds, 10.0);
}

TEST_F(RunRequest, RunAndWaitAnswers202WhenTheWaitRunsOut) {
  ASSERT_EQ(push(*api_, "slow.wf", kSlow), "slow");
  const auto begin = std::chrono::steady_clock::now();
  auto r = run("slow", json::object(), "?wait=1s");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_GE(seconds, 0.9);
  EXPECT_LT(seconds, 3.0);
  const json summary = body_json(r);
  EXPECT_EQ(summary.value("status", ""), "paused") << r.body;  // asleep
  EXPECT_EQ(summary.value("pause_reason", ""), "delay") << r.body;
  ASSERT_TRUE(summary.contains("id")) << r.body;
  // The service is not held meanwhile, and the instance goes on.
  EXPECT_EQ(api_->get("/api/v1/health").status, 200);
  EXPECT_FALSE(is_terminal(instance(*api_, summary["id"].get<int64_t>()).value("status", "")));
}

TEST_F(RunRequest, ABadWaitIsRefused) {
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  for (const char* wait : {"?wait=soon", "?wait=6m", "?wait=0s", "?wait=", "?wait=-1s"}) {
    auto r = run("quick", json::object(), wait);
    EXPECT_EQ(r.status, 400) << wait << " " << r.body;
    EXPECT_NE(r.body.find("`wait` must be a duration"), std::string::npos) << wait << " " << r.body;
  }
  EXPECT_EQ(body_json(api_->get("/api/v1/instances?count=true")).value("total", -1), 0);
}

TEST_F(RunRequest, AWaitingClientThatGoesAwayIsForgotten) {
  ASSERT_EQ(push(*api_, "slow.wf", kSlow), "slow");
  // A client that gives up after 300 ms of a 1-minute wait.
  auto r = api_->post("/api/v1/definitions/slow/run?wait=1m", "{}", 300);
  EXPECT_NE(r.status, 202);
  // The service goes on answering, and a later wait is answered as usual.
  EXPECT_EQ(api_->get("/api/v1/health").status, 200);
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  EXPECT_EQ(run("quick", json::object(), "?wait=10s").status, 200);
  EXPECT_TRUE(service_->running());
}

TEST_F(RunRequest, AServiceStopsCleanlyWhileARunWaits) {
  ASSERT_EQ(push(*api_, "slow.wf", kSlow), "slow");
  wf::client::HttpResult held;
  std::thread waiter([&] {
    wf::client::HttpClient own(service_->url(), service_->admin_token());
    held = own.post("/api/v1/definitions/slow/run?wait=1m", "{}", 60000);
  });
  ASSERT_TRUE(wait_until([&] { return body_json(api_->get("/api/v1/instances?count=true")).value("total", 0) == 1; }));
  const auto begin = std::chrono::steady_clock::now();
  const int status = service_->stop();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  waiter.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << service_->log();
  EXPECT_LT(seconds, 5.0) << service_->log();  // the held answer's timer does not keep the loop alive
  EXPECT_NE(held.status, 200);
}

TEST_F(RunRequest, StartWaitExitsWithTheOutcome) {
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  CliRun r = wf("start quick --wait 30s");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("42\n"), std::string::npos) << r.output;
  r = wf("start quick --param n=1 --wait");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("21\n"), std::string::npos) << r.output;
  ASSERT_EQ(push(*api_, "fails.wf", kFails), "fails");
  r = wf("start fails --wait 30s");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("workflow failed: failed: on purpose"), std::string::npos) << r.output;
  ASSERT_EQ(push(*api_, "slow.wf", kSlow), "slow");
  r = wf("start slow --wait 1s");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("has not ended within 1s"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 5.0) << r.output;
}

}  // namespace

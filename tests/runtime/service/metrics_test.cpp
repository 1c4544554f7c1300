// /metrics of a real `wf serve`: Prometheus' own `promtool check metrics` accepts the scrape, and
// its figures move by what was done between two scrapes — HTTP requests by route template and
// status, the jobs waiting in a host's queue, the approvals pending, the live instances, the
// store's commits, the event streams open. A scrape needs a token with `settings.view` unless the
// service runs with `--metrics-public`.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "flagged_service.h"
#include "scrape.h"
#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class Metrics : public ServiceTest {
 protected:
  Metrics() : ServiceTest("wf-metrics") {}
  std::map<std::string, double> scrape() {
    const auto r = api_->get("/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    last_ = r.body;
    return scrape_samples(r.body);
  }
  std::string last_;
};

TEST_F(Metrics, PromtoolAcceptsTheScrape) {
  if (::access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool is missing (Debian package prometheus)";
  ASSERT_EQ(api_->get("/api/v1/health").status, 200);
  ASSERT_EQ(api_->get("/api/v1/no/such/thing").status, 404);
  scrape();
  std::string said;
  EXPECT_EQ(promtool_check(dir_ / "scrape.txt", last_, said), 0) << said << "\n" << last_;
}

TEST_F(Metrics, FiguresMoveWithWhatIsDone) {
  auto before = scrape();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(api_->get("/api/v1/health").status, 200);
  ASSERT_EQ(api_->get("/api/v1/no/such/thing").status, 404);
  // A host whose agent does not poll: its job waits in the queue.
  wf::client::HttpClient anonymous(service_->url());
  ASSERT_EQ(anonymous.post("/api/v1/agents/register",
                           json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "idle"}}).dump()).status, 201);
  ASSERT_EQ(api_->post("/api/v1/jobs", json({{"host", "idle"}, {"command", "true"}, {"priority", "high"}}).dump()).status, 201);
  const std::string name = push(*api_, "gate.wf", "workflow gate() -> bool {\n  let a = approve \"Go?\"\n  return a.approved\n}\n");
  ASSERT_FALSE(name.empty());
  const int64_t id = start(*api_, name, json::object());
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_until([&] { return instance(*api_, id).value("status", "") == "paused"; }));

  auto after = scrape();
  const std::string health = R"(wf_http_requests_total{route="/api/v1/health",method="GET",status="200"})";
  EXPECT_EQ(after[health] - before[health], 3) << last_;
  const std::string none = R"m(wf_http_requests_total{route="(no route)",method="GET",status="404"})m";
  EXPECT_EQ(after[none] - before[none], 1) << last_;
  EXPECT_EQ(after[R"(wf_http_request_duration_seconds_count{route="/api/v1/health"})"] -
                before[R"(wf_http_request_duration_seconds_count{route="/api/v1/health"})"],
            3)
      << last_;
  EXPECT_EQ(after[R"(wf_job_queue_depth{host="idle",priority="high"})"], 1) << last_;
  EXPECT_EQ(after[R"(wf_jobs{status="queued"})"], 1) << last_;
  EXPECT_EQ(after["wf_approvals_pending"], 1) << last_;
  EXPECT_EQ(after["wf_live_instances"], 1) << last_;
  EXPECT_GT(after["wf_process_resident_memory_bytes"], 0) << last_;
  EXPECT_GT(after["wf_process_open_fds"], 0) << last_;

  auto answered = body_json(api_->get("/api/v1/approvals?status=pending"));
  ASSERT_EQ(answered["items"].size(), 1u);
  ASSERT_EQ(api_->post("/api/v1/approvals/" + std::to_string(answered["items"][0]["id"].get<int64_t>()) + "/respond",
                       R"({"decision":"approve"})").status, 200);
  EXPECT_EQ(wait_ended(*api_, id)["status"], "completed");
  auto done = scrape();
  EXPECT_EQ(done["wf_approvals_pending"], 0) << last_;
  EXPECT_EQ(done["wf_live_instances"], 0) << last_;
  EXPECT_EQ(done[R"(wf_instances_created_total{workflow="gate",trigger="manual"})"], 1) << last_;
  EXPECT_EQ(done[R"(wf_instances_ended_total{workflow="gate",status="completed"})"], 1) << last_;
}

TEST_F(Metrics, JobsEndedAreCountedWithTheirDurations) {
  agent("web1");
  const std::string name = push(*api_, "twice.wf", "workflow twice(targets: hosts) {\n  run command \"true\" on targets\n  run command \"false\" on targets\n}\n");
  ASSERT_FALSE(name.empty());
  const int64_t id = start(*api_, name, {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  EXPECT_EQ(wait_ended(*api_, id)["status"], "failed");
  auto after = scrape();
  EXPECT_EQ(after[R"(wf_jobs_ended_total{status="completed"})"], 1) << last_;
  EXPECT_EQ(after[R"(wf_jobs_ended_total{status="failed"})"], 1) << last_;
  EXPECT_EQ(after["wf_job_duration_seconds_count"], 2) << last_;
  EXPECT_EQ(after[R"(wf_job_duration_seconds_bucket{le="+Inf"})"], 2) << last_;
  EXPECT_EQ(after[R"(wf_instances_ended_total{workflow="twice",status="failed"})"], 1) << last_;
  // Two `run` steps ended, timed by kind; the agent that ran them is online.
  EXPECT_EQ(after[R"(wf_step_duration_seconds_count{kind="run"})"], 2) << last_;
  EXPECT_EQ(after[R"(wf_step_duration_seconds_bucket{kind="run",le="+Inf"})"], 2) << last_;
  EXPECT_EQ(after["wf_agents_online"], 1) << last_;
}

// The store's writer: every committed transaction is timed and its units counted, so at rest the
// histograms agree with the writer's counters; nothing waits in its queue.
TEST_F(Metrics, TheWritersCommitsAreTimedAndSized) {
  const std::string name = push(*api_, "one.wf", "workflow one() -> int {\n  return 1\n}\n");
  ASSERT_FALSE(name.empty());
  auto before = scrape();
  const int64_t id = start(*api_, name, json::object());
  ASSERT_GT(id, 0);
  EXPECT_EQ(wait_ended(*api_, id)["status"], "completed");
  std::map<std::string, double> after;
  // A commit is counted before it is timed: at rest the two agree, and the writer's queue is
  // empty (a unit of the service's own, such as a token's last use, may still be in it at first).
  ASSERT_TRUE(wait_until([&] {
    after = scrape();
    return after["wf_store_commit_duration_seconds_count"] == after["wf_store_commits_total"] &&
           after["wf_store_commit_batch_units_sum"] == after["wf_store_units_total"] && after["wf_store_writer_queue"] == 0;
  })) << last_;
  EXPECT_GT(after["wf_store_commits_total"], before["wf_store_commits_total"]) << last_;
  EXPECT_GT(after["wf_store_commit_duration_seconds_sum"], 0) << last_;
  EXPECT_EQ(after[R"(wf_store_commit_batch_units_bucket{le="+Inf"})"], after["wf_store_commits_total"]) << last_;
  EXPECT_EQ(after[R"(wf_build_info{version="0.1.0"})"], 1) << last_;
}

// An open Server-Sent Events stream is a client of wf_event_streams while it is open.
TEST_F(Metrics, EventStreamsAreCountedWhileOpen) {
  EXPECT_EQ(scrape()["wf_event_streams"], 0) << last_;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(service_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + service_->admin_token() + "\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  char head[256];
  ASSERT_GT(::recv(fd, head, sizeof head, 0), 0);  // the stream's headers: it is open
  EXPECT_TRUE(wait_until([&] { return scrape()["wf_event_streams"] == 1; })) << last_;
  ::close(fd);
  EXPECT_TRUE(wait_until([&] { return scrape()["wf_event_streams"] == 0; })) << last_;
}

// docs/operations.md lists every family a scrape has, and its example alert rules are ones
// Prometheus takes (`promtool check rules`).
TEST_F(Metrics, TheOperationsGuideListsEveryMetricAndItsRulesAreValid) {
  scrape();
  std::ifstream in(std::string(WF_SOURCE_DIR) + "/docs/operations.md");
  const std::string guide((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(guide.empty());
  std::istringstream lines(last_);
  std::string line;
  int families = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    const std::string family = line.substr(7, line.find(' ', 7) - 7);
    ++families;
    EXPECT_NE(guide.find("| `" + family + "` |"), std::string::npos) << family << " is not in docs/operations.md's table";
  }
  EXPECT_GE(families, 20);
  if (::access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool is missing (Debian package prometheus)";
  const size_t begin = guide.find("```yaml\ngroups:");
  ASSERT_NE(begin, std::string::npos) << "no alert rules in docs/operations.md";
  const size_t body = begin + 8, end = guide.find("```", body);
  const std::filesystem::path file = dir_ / "rules.yml";
  std::ofstream(file) << guide.substr(body, end - body);
  const std::string command = "promtool check rules '" + file.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string said;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) said += buffer;
  EXPECT_EQ(pclose(pipe), 0) << said;
  EXPECT_NE(said.find("3 rules found"), std::string::npos) << said;
}

// /metrics tells the service's figures only to a token with `settings.view`...
TEST_F(Metrics, AScrapeNeedsATokenWithSettingsView) {
  wf::client::HttpClient anonymous(service_->url());
  const auto refused = anonymous.get("/metrics");
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(body_json(refused)["error"].value("code", ""), "unauthorized") << refused.body;
  // A user without the permission: a role of its own with `workflows.view` only.
  ASSERT_EQ(api_->post("/api/v1/roles", json({{"name", "viewer-only"}, {"permissions", {"workflows.view"}}}).dump()).status, 201);
  ASSERT_EQ(api_->post("/api/v1/users", json({{"name", "watcher"}, {"roles", {"viewer-only"}}}).dump()).status, 201);
  const auto token = api_->post("/api/v1/tokens", json({{"user", "watcher"}}).dump());
  ASSERT_EQ(token.status, 201) << token.body;
  wf::client::HttpClient watcher(service_->url(), body_json(token).value("token", ""));
  const auto forbidden = watcher.get("/metrics");
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  EXPECT_NE(forbidden.body.find("settings.view"), std::string::npos) << forbidden.body;
  EXPECT_EQ(api_->get("/metrics").status, 200);
}

// ...unless the operator opens it to a Prometheus that holds no token.
class PublicMetrics : public FlaggedServiceTest {
 protected:
  PublicMetrics() : FlaggedServiceTest("wf-metrics-public", {"--metrics-public"}) {}
};

TEST_F(PublicMetrics, AScrapeNeedsNoToken) {
  wf::client::HttpClient anonymous(service_->url());
  const auto r = anonymous.get("/metrics");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("wf_live_instances"), std::string::npos) << r.body;
  // The rest of the API is as closed as ever.
  EXPECT_EQ(anonymous.get("/api/v1/instances").status, 401);
}

// `--metrics off`: nothing is recorded and /metrics says so; the runs go on as ever.
class MetricsOff : public FlaggedServiceTest {
 protected:
  MetricsOff() : FlaggedServiceTest("wf-metrics-off", {"--metrics", "off"}) {}
};

TEST_F(MetricsOff, MetricsAnswer404AndRunsStillWork) {
  const auto r = api_->get("/metrics");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(body_json(r)["error"].value("message", ""), "metrics are off") << r.body;
  EXPECT_EQ(body_json(r)["error"].value("code", ""), "not_found") << r.body;
  const std::string name = push(*api_, "steps.wf", "workflow steps() -> int {\n  step \"a\" { sleep 0s }\n  step \"b\" { sleep 0s }\n  return 2\n}\n");
  ASSERT_EQ(name, "steps");
  const int64_t id = start(*api_, name, json::object());
  ASSERT_GT(id, 0);
  const json ended = wait_ended(*api_, id);
  EXPECT_EQ(ended.value("status", ""), "completed") << ended.dump();
  EXPECT_EQ(api_->get("/metrics").status, 404);
}

TEST(MetricsFlag, AnythingButOnOrOffIsAUsageError) {
  const std::filesystem::path dir = make_temp_dir("wf-metrics-flag");
  Process serve;
  ASSERT_TRUE(serve.spawn({"serve", "--data", (dir / "data").string(), "--listen", "127.0.0.1:" + std::to_string(free_port()),
                           "--metrics", "maybe"}, dir / "serve.log"));
  EXPECT_TRUE(wait_until([&] { return !serve.running(); }, std::chrono::seconds(20)));
  const std::string said = file_bytes(dir / "serve.log");
  EXPECT_NE(said.find("--metrics: maybe not in {on,off}"), std::string::npos) << said;
  std::error_code ec;
  if (!HasFailure()) std::filesystem::remove_all(dir, ec);
}

}  // namespace

// /metrics of a real `wf serve`: Prometheus' own `promtool check metrics` accepts the scrape, and
// its figures move by what was done between two scrapes — HTTP requests by route template and
// status, the jobs waiting in a host's queue, the approvals pending, the live instances.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

// The samples of a scrape: "name{labels}" → value.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

class Metrics : public ServiceTest {
 protected:
  Metrics() : ServiceTest("wf-metrics") {}
  std::map<std::string, double> scrape() {
    const auto r = api_->get("/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    last_ = r.body;
    return samples(r.body);
  }
  std::string last_;
};

TEST_F(Metrics, PromtoolAcceptsTheScrape) {
  if (::access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool is missing (Debian package prometheus)";
  ASSERT_EQ(api_->get("/api/v1/health").status, 200);
  ASSERT_EQ(api_->get("/api/v1/no/such/thing").status, 404);
  scrape();
  const std::filesystem::path file = dir_ / "scrape.txt";
  std::ofstream(file) << last_;
  const std::string command = "promtool check metrics < '" + file.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string said;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) said += buffer;
  EXPECT_EQ(pclose(pipe), 0) << said << "\n" << last_;
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
}

}  // namespace

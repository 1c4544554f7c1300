// A real `wf serve` whose wall clock steps while it runs (libfaketime, its offset read from a file
// the test rewrites; the monotonic clock is left alone, as an NTP step leaves it): an hour forward
// neither wakes sleeps, expires approvals nor fails a running job as unreachable before their
// time, nor shows a live agent offline, while a `sleep until` the step passed is due at once; an
// hour back holds no sleep back.
// Skipped when libfaketime is not installed.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kFakeTime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

class WallClockStep : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kFakeTime)) GTEST_SKIP() << kFakeTime << " is missing (Debian package libfaketime)";
    dir_ = make_temp_dir("wf-clock-step");
    offset_file_ = dir_ / "faketime";
    step("+0");
    service_ = std::make_unique<Service>(dir_);
    ASSERT_TRUE(start_on_stepped_clock()) << service_->log();
    api_ = service_->admin();
  }
  // Only the service runs on the stepped clock; the test and the agents keep the real one.
  bool start_on_stepped_clock() {
    ::setenv("LD_PRELOAD", kFakeTime, 1);
    ::setenv("FAKETIME_TIMESTAMP_FILE", offset_file_.c_str(), 1);
    ::setenv("FAKETIME_CACHE_DURATION", "1", 1);  // the file is read again every second
    ::setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
    const bool started = service_->start();
    for (const char* v : {"LD_PRELOAD", "FAKETIME_TIMESTAMP_FILE", "FAKETIME_CACHE_DURATION", "FAKETIME_DONT_FAKE_MONOTONIC"})
      ::unsetenv(v);
    return started;
  }
  void TearDown() override {
    if (agent_) agent_->stop();
    if (service_) service_->stop();
    std::error_code ec;
    if (!HasFailure() && !dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  // The service's wall clock from now on: "+1h", "-1h", "+0".
  void step(const std::string& offset) {
    std::ofstream(offset_file_, std::ios::trunc) << offset << "\n";
  }
  int64_t run(const std::string& file, const std::string& source, const json& body = json::object()) {
    const std::string name = push(*api_, file, source);
    EXPECT_FALSE(name.empty()) << "push of " << file << " failed";
    return name.empty() ? 0 : start(*api_, name, body);
  }
  std::string status(int64_t id) { return instance(*api_, id).value("status", ""); }
  json approvals(int64_t id) {
    return body_json(api_->get("/api/v1/approvals?instance=" + std::to_string(id)))["items"];
  }
  json jobs(int64_t id) { return body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id)))["items"]; }

  std::filesystem::path dir_, offset_file_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<wf::client::HttpClient> api_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(WallClockStep, AnHourForwardCutsNoDurationShort) {
  agent_ = std::make_unique<Agent>();
  ASSERT_TRUE(agent_->start(*service_, "web1"));
  // A run names its host: the host must have registered first.
  ASSERT_TRUE(wait_until([&] { return body_json(api_->get("/api/v1/hosts")).value("items", json::array()).size() == 1; }));
  const auto began = std::chrono::steady_clock::now();
  const int64_t nap = run("nap.wf", "workflow nap() -> string {\n  sleep 6s\n  return \"slept\"\n}\n");
  const int64_t gate = run("gate.wf", "workflow gate() -> bool {\n  let a = approve \"Go?\" timeout 6s\n  return a.approved\n}\n");
  const int64_t work = run("work.wf", "workflow work(targets: hosts) {\n  run command \"sleep 8\" on targets timeout 10s\n}\n",
                           {{"hosts", {"web1"}}});
  const int64_t until = run("until.wf", "workflow wake_up() -> string {\n  sleep until now() + 30m\n  return \"woke\"\n}\n");
  ASSERT_TRUE(nap > 0 && gate > 0 && work > 0 && until > 0);
  ASSERT_TRUE(wait_until([&] {
    auto j = jobs(work);
    return status(nap) == "paused" && status(until) == "paused" && approvals(gate).size() == 1 && !j.empty() &&
           j[0].value("status", "") == "running";
  }, 15s));

  step("+1h");
  // The step is seen within a second (the offset file's cache); another instance's sleep then
  // arms a timer after it, and the stale-job sweep (every 5 s) runs at least once while the job
  // still runs.
  std::this_thread::sleep_for(1500ms);
  // The agent heard from a moment ago is online, whatever the clock now says of its heartbeat.
  auto hosts = body_json(api_->get("/api/v1/hosts"))["items"];
  ASSERT_EQ(hosts.size(), 1u) << hosts.dump();
  EXPECT_EQ(hosts[0]["online"], true) << hosts.dump();
  ASSERT_GT(run("later.wf", "workflow later() -> string {\n  sleep 1m\n  return \"later\"\n}\n"), 0);
  // Half an hour ahead has passed by the clock as it now reads.
  EXPECT_TRUE(wait_until([&] { return status(until) == "completed"; }, 5s)) << status(until);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5500ms) << "the test was too slow to tell early from on time";
  EXPECT_EQ(status(nap), "paused");
  EXPECT_EQ(approvals(gate)[0].value("status", ""), "pending");
  EXPECT_EQ(jobs(work)[0].value("status", ""), "running");

  json end = wait_ended(*api_, nap);
  EXPECT_EQ(end.value("status", ""), "completed");
  EXPECT_GE(std::chrono::steady_clock::now() - began, 5900ms);
  end = wait_ended(*api_, gate);
  EXPECT_EQ(end["result"], false);
  EXPECT_EQ(approvals(gate)[0].value("status", ""), "expired");
  end = wait_ended(*api_, work);
  EXPECT_EQ(end.value("status", ""), "completed") << end.dump();
  EXPECT_EQ(jobs(work)[0].value("status", ""), "completed") << jobs(work).dump();
}

// The service ran on a clock an hour ahead (started so) while a job was queued, then the clock
// was set right and the service restarted: the job's stored time is an hour in the future, and it
// must not wait for it.
TEST_F(WallClockStep, AJobQueuedWhileTheClockRanAheadIsNotHeldAfterARestart) {
  // A host whose agent does not poll yet: its job stays queued.
  wf::client::HttpClient anonymous(service_->url());
  auto registered = anonymous.post("/api/v1/agents/register",
                                   json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "web1"}}).dump());
  ASSERT_EQ(registered.status, 201) << registered.body;
  wf::client::HttpClient agent(service_->url(), body_json(registered)["token"].get<std::string>());
  service_->kill9();
  step("+1h");
  ASSERT_TRUE(start_on_stepped_clock()) << service_->log();
  auto created = api_->post("/api/v1/jobs", json({{"host", "web1"}, {"command", "true"}}).dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = body_json(created)["id"].get<int64_t>();
  // Queued on the clock an hour ahead (its hour is not the real one).
  const json queued = body_json(api_->get("/api/v1/jobs/" + std::to_string(id)));
  const std::time_t real = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&real, &utc);
  ASSERT_NE(queued.value("scheduled_at", "").substr(11, 2), fmt::format("{:02}", utc.tm_hour)) << queued.dump();

  service_->kill9();
  step("+0");
  ASSERT_TRUE(start_on_stepped_clock()) << service_->log();
  const auto poll = agent.post("/api/v1/agents/poll", json({{"max_jobs", 1}, {"wait_ms", 5000}}).dump());
  ASSERT_EQ(poll.status, 200) << poll.body;
  ASSERT_EQ(body_json(poll)["jobs"].size(), 1u) << "the job is held for the hour the clock had run ahead";
  EXPECT_EQ(body_json(poll)["jobs"][0]["id"], id);
}

TEST_F(WallClockStep, AnHourBackHoldsNoSleepBack) {
  const auto began = std::chrono::steady_clock::now();
  const int64_t nap = run("nap.wf", "workflow nap() -> string {\n  sleep 3s\n  return \"slept\"\n}\n");
  ASSERT_GT(nap, 0);
  ASSERT_TRUE(wait_until([&] { return status(nap) == "paused"; }));
  step("-1h");
  json end = wait_ended(*api_, nap, 10s);
  EXPECT_EQ(end.value("status", ""), "completed") << end.dump();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 8s);
}

}  // namespace

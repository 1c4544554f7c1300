// A job already running on a real `wf agent` is stopped when its workflow stops waiting for it: a
// step timeout, an operator's cancel of the instance and the workflow's @timeout each end the job
// `cancelled` with a reason that says why, kill its process, and keep the output it wrote.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;
using std::chrono::seconds;

class RunningJobStop : public ServiceTest {
 protected:
  RunningJobStop() : ServiceTest("wf-running-job-stop") {}
  std::string file(const std::string& name) { return (dir_ / name).string(); }
  // A command that prints, records its pid, sleeps 30s, then leaves a marker it must never reach.
  std::string sleeper() {
    return fmt::format("echo started; echo $$ > {}; sleep 30; touch {}", file("pid"), file("finished"));
  }
  json jobs_of(int64_t id) { return body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id)))["items"]; }
  // The job of instance `id` once it runs, and the pid of its shell.
  int64_t running_job(int64_t id, pid_t& pid) {
    int64_t job = 0;
    EXPECT_TRUE(wait_until([&] {
      const json jobs = body_json(api_->get("/api/v1/jobs?status=running&instance=" + std::to_string(id)))["items"];
      if (jobs.empty()) return false;
      job = jobs[0]["id"].get<int64_t>();
      return true;
    })) << service_->log();
    EXPECT_TRUE(wait_until([&] {
      std::ifstream in(file("pid"));
      return static_cast<bool>(in >> pid) && pid > 0;
    }));
    return job;
  }
  json job(int64_t id) { return body_json(api_->get("/api/v1/jobs/" + std::to_string(id))); }
  // The job ends cancelled within a few seconds, its process is gone and never finished.
  void expect_stopped(int64_t id, pid_t pid, const std::string& reason) {
    ASSERT_TRUE(wait_until([&] { return job(id).value("status", "") == "cancelled"; }, seconds(10))) << job(id).dump();
    const json j = job(id);
    EXPECT_EQ(j["error"], reason) << j.dump();
    EXPECT_FALSE(j["cancel_requested_at"].is_null()) << j.dump();
    EXPECT_NE(j.value("stdout", "").find("started"), std::string::npos) << j.dump();
    EXPECT_TRUE(wait_until([&] { return ::kill(pid, 0) != 0; }, seconds(5))) << "the job's process is still there";
    EXPECT_FALSE(std::filesystem::exists(file("finished")));
  }
};

TEST_F(RunningJobStop, AStepTimeoutStopsTheRunningJob) {
  agent("web1");
  const std::string name = push(*api_, "test.wf", fmt::format(R"(
workflow deploy(targets: hosts) {{
  step "Deploy" timeout 1s {{
    run command "{}" on targets timeout 60s
  }}
}}
)", sleeper()));
  ASSERT_FALSE(name.empty());
  const int64_t id = start(*api_, name, {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  pid_t pid = 0;
  const int64_t j = running_job(id, pid);
  ASSERT_GT(j, 0);
  const json end = wait_ended(*api_, id, seconds(10));
  EXPECT_EQ(end["error"]["kind"], "timeout") << end.dump();
  expect_stopped(j, pid, "cancelled: step \"Deploy\" timed out");
}

TEST_F(RunningJobStop, CancellingTheInstanceStopsTheRunningJob) {
  agent("web1");
  const std::string name = push(*api_, "test.wf", fmt::format(R"(
workflow long_one(targets: hosts) {{
  run command "{}" on targets timeout 60s
}}
)", sleeper()));
  ASSERT_FALSE(name.empty());
  const int64_t id = start(*api_, name, {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  pid_t pid = 0;
  const int64_t j = running_job(id, pid);
  ASSERT_GT(j, 0);
  // What `wf cancel` asks for.
  auto r = api_->post("/api/v1/instances/" + std::to_string(id) + "/cancel", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(wait_ended(*api_, id, seconds(10))["status"], "cancelled");
  expect_stopped(j, pid, "cancelled: the instance was cancelled");
}

TEST_F(RunningJobStop, TheWorkflowsTimeoutStopsTheRunningJob) {
  agent("web1");
  const std::string name = push(*api_, "test.wf", fmt::format(R"(
@timeout(2s)
workflow long_one(targets: hosts) {{
  run command "{}" on targets timeout 60s
}}
)", sleeper()));
  ASSERT_FALSE(name.empty());
  const int64_t id = start(*api_, name, {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  pid_t pid = 0;
  const int64_t j = running_job(id, pid);
  ASSERT_GT(j, 0);
  EXPECT_EQ(wait_ended(*api_, id, seconds(10))["status"], "timeout");
  expect_stopped(j, pid, "cancelled: the workflow's @timeout expired");
}

}  // namespace

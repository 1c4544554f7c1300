// The job commands (`wf jobs`, `wf job show|run|cancel|retry|rm|logs`) against a real `wf serve`
// and a real `wf agent` for host web1: they are commands of this build (listed in `wf --help`,
// no longer planned); `wf job run` prints the new job's id, and with -f its output and an exit
// code for how it ended; `wf job logs -f` prints a line the job wrote while the job still runs;
// cancel, retry and rm act on a job queued for a host whose agent is not running, and a removed
// job leaves the lists but keeps its history. Every wait is bounded.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

using WfRun = WfOutput;

class JobCommands : public ServiceTest {
 protected:
  JobCommands() : ServiceTest("wf-job-commands") {}
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    agent("web1");
  }

  // `wf ARGS` with the service's address and admin token in the environment; `args` is shell text.
  std::string command_line(const std::string& args) const { return wf_command_line(*service_, service_->admin_token(), args); }

  WfRun wf(const std::string& args) const {
    return run_wf_apart(*service_, service_->admin_token(), args, dir_ / "wf-stderr.txt");
  }

  // The id `wf job run` printed (0 when it printed something else).
  static int64_t printed_id(const WfRun& r) {
    try {
      size_t used = 0;
      const int64_t id = std::stoll(r.out, &used);
      return r.out.substr(used) == "\n" ? id : 0;
    } catch (...) {
      return 0;
    }
  }

  json job(int64_t id) { return body_json(api_->get("/api/v1/jobs/" + std::to_string(id))); }

  json wait_job_ended(int64_t id) { return testing::wait_job_ended(*api_, id); }

};

TEST_F(JobCommands, TheyAreCommandsOfThisBuild) {
  const WfRun help = wf("--help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* name : {"jobs", "job"}) {
    const size_t at = help.out.find(std::string("\n  ") + name + " ");
    ASSERT_NE(at, std::string::npos) << name << "\n" << help.out;
    const std::string line = help.out.substr(at + 1, help.out.find('\n', at + 1) - at - 1);
    EXPECT_EQ(line.find("not available"), std::string::npos) << line;
  }
  const WfRun job_help = wf("job --help");
  EXPECT_EQ(job_help.exit_code, 0);
  for (const char* sub : {"show", "run", "cancel", "retry", "rm", "logs"})
    EXPECT_NE(job_help.out.find(std::string("\n  ") + sub + " "), std::string::npos) << sub << "\n" << job_help.out;
}

TEST_F(JobCommands, RunShowLogsAndList) {
  const WfRun run = wf("job run --host web1 -- 'echo hello; echo oops >&2'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const int64_t id = printed_id(run);
  ASSERT_GT(id, 0) << run.out;
  ASSERT_EQ(wait_job_ended(id).value("status", ""), "completed") << job(id).dump();

  const WfRun show = wf("job show " + std::to_string(id));
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("job " + std::to_string(id) + ": echo hello"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("status     completed (exit 0)"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("host       web1"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("stdout\n  hello\n"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("stderr\n  oops\n"), std::string::npos) << show.out;

  const WfRun show_json = wf("job show " + std::to_string(id) + " --format json");
  EXPECT_EQ(json::parse(show_json.out, nullptr, false).value("stdout", ""), "hello\n") << show_json.out;

  const WfRun logs = wf("job logs " + std::to_string(id));
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "hello\n");
  EXPECT_EQ(logs.err, "oops\n");

  const WfRun list = wf("jobs");
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.rfind("ID  HOST  STATUS", 0), 0u) << list.out;
  const size_t row = list.out.find("\n" + std::to_string(id) + " ");
  ASSERT_NE(row, std::string::npos) << list.out;
  const std::string line = list.out.substr(row + 1, list.out.find('\n', row + 1) - row - 1);
  for (const char* cell : {" web1 ", " completed ", " 0 ", " normal ", " echo hello; echo oops >&2"})
    EXPECT_NE(line.find(cell), std::string::npos) << cell << " in " << line;
  const WfRun filtered = wf("jobs --status completed --host web1 --format json");
  EXPECT_EQ(filtered.exit_code, 0) << filtered.err;
  const json items = json::parse(filtered.out, nullptr, false);
  ASSERT_TRUE(items.is_array()) << filtered.out;
  ASSERT_EQ(items.size(), 1u) << filtered.out;
  EXPECT_EQ(items[0].value("id", int64_t{0}), id);
  EXPECT_EQ(wf("jobs --host nosuch").out.find('\n'), wf("jobs --host nosuch").out.size() - 1) << "only the header";

  const WfRun bad_status = wf("jobs --status nonsense");
  EXPECT_EQ(bad_status.exit_code, 2);
  const WfRun unknown = wf("job show 99999");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no job 99999"), std::string::npos) << unknown.err;
  const WfRun no_host = wf("job run --host nosuch -- true");
  EXPECT_EQ(no_host.exit_code, 2);
  EXPECT_NE(no_host.err.find("no registered host `nosuch`"), std::string::npos) << no_host.err;
  const WfRun no_command = wf("job run --host web1");
  EXPECT_EQ(no_command.exit_code, 2);
}

TEST_F(JobCommands, RunFollowPrintsTheOutputAndExitsAsTheJobEnded) {
  const WfRun lines = wf("job run --host web1 -f -- 'for i in 1 2 3; do echo l$i; sleep 0.2; done; echo e >&2'");
  EXPECT_EQ(lines.exit_code, 0) << lines.err;
  EXPECT_EQ(lines.out, "l1\nl2\nl3\n");
  EXPECT_EQ(lines.err, "e\n");

  // Several words are a program and its arguments, without a shell.
  const WfRun argv = wf("job run --host web1 -f -- printf '%s-' a 'b c'");
  EXPECT_EQ(argv.exit_code, 0) << argv.err;
  EXPECT_EQ(argv.out, "a-b c-");

  const WfRun failed = wf("job run --host web1 -f --priority high -- 'echo before; exit 4'");
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_EQ(failed.out, "before\n");
  EXPECT_NE(failed.err.find("failed (exit 4)"), std::string::npos) << failed.err;

  const WfRun timed_out = wf("job run --host web1 -f --timeout 500ms -- 'sleep 20'");
  EXPECT_EQ(timed_out.exit_code, 3) << timed_out.err;
  EXPECT_NE(timed_out.err.find("timeout"), std::string::npos) << timed_out.err;

  EXPECT_EQ(wf("job run --host web1 --priority urgent -- true").exit_code, 2);
  EXPECT_EQ(wf("job run --host web1 --timeout soon -- true").exit_code, 2);
}

TEST_F(JobCommands, LogsFollowPrintsALineWhileTheJobStillRuns) {
  const std::filesystem::path flag = dir_ / "go-on";
  // In single quotes for the shell that runs `wf` (the temporary directory's path has no quote).
  const std::string script = "echo first; i=0; while [ ! -e " + flag.string() +
                             " ] && [ $i -lt 300 ]; do i=$((i+1)); sleep 0.1; done; echo second";
  const WfRun run = wf("job run --host web1 -- '" + script + "'");
  const int64_t id = printed_id(run);
  ASSERT_GT(id, 0) << run.out << run.err;

  FILE* pipe = popen((command_line("job logs -f " + std::to_string(id)) + " 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::array<char, 256> line{};
  // The job waits for the flag for at most 30 s, so this read is bounded too.
  ASSERT_NE(fgets(line.data(), line.size(), pipe), nullptr);
  EXPECT_STREQ(line.data(), "first\n");
  // Its start reaches the store with the next commit, or alone within a moment.
  EXPECT_TRUE(wait_until([&] { return job(id).value("status", "") == "running"; }, std::chrono::seconds(5)))
      << "the first line came only after the job ended";
  std::ofstream(flag).put('\n');
  std::string rest;
  while (fgets(line.data(), line.size(), pipe) != nullptr) rest += line.data();
  const int status = pclose(pipe);
  EXPECT_EQ(rest, "second\n");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(job(id).value("status", ""), "completed");
}

TEST_F(JobCommands, CancelRetryAndRemoveAQueuedJob) {
  // A host that registered but whose agent does not poll: its jobs stay queued.
  auto registered = api_->post("/api/v1/agents/register",
                               json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "idle"}}).dump());
  ASSERT_EQ(registered.status, 201) << registered.body;

  const int64_t id = printed_id(wf("job run --host idle -- true"));
  ASSERT_GT(id, 0);
  const std::string sid = std::to_string(id);
  const WfRun busy = wf("job rm " + sid);
  EXPECT_EQ(busy.exit_code, 2);
  EXPECT_NE(busy.err.find("cancel the job before"), std::string::npos) << busy.err;

  const WfRun cancel = wf("job cancel " + sid);
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_EQ(cancel.out, "job " + sid + ": cancelled\n");
  EXPECT_EQ(wf("job cancel " + sid).exit_code, 2) << "cancelling twice";

  const WfRun retry = wf("job retry " + sid);
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  const int64_t again = printed_id(retry);
  ASSERT_GT(again, id) << retry.out;
  EXPECT_EQ(job(again).value("status", ""), "queued");
  EXPECT_EQ(job(again).value("description", ""), "true");

  const WfRun rm = wf("job rm " + sid);
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(rm.out, "job " + sid + ": removed\n");
  const WfRun list = wf("jobs --host idle --format json");
  const json items = json::parse(list.out, nullptr, false);
  ASSERT_TRUE(items.is_array()) << list.out;
  ASSERT_EQ(items.size(), 1u) << list.out;
  EXPECT_EQ(items[0].value("id", int64_t{0}), again);
  // History is kept: the removed job is still there by its id.
  const WfRun show = wf("job show " + sid);
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("status     cancelled"), std::string::npos) << show.out;
  EXPECT_EQ(wf("job rm " + sid).exit_code, 0) << "removing again changes nothing";
  EXPECT_EQ(wf("job cancel " + std::to_string(again)).exit_code, 0);
}

}  // namespace
}  // namespace wf::testing

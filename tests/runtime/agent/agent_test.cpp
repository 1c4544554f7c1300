// The agent against a fake service: enrollment and the saved registration, running a job once and
// reporting it, streaming output, refusing bad specs, honouring a refused start, never running a
// job twice across restarts, resending reports from the outbox, enrolling again after a reset,
// waiting for a service that is not up yet, and stopping and cancelling; the journal and the
// outbox across a crash (every unreported job reported at the next start, leftover processes
// killed), the jobs named in heartbeats, and jobs the service cancels.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fake_service.h"
#include "runtime/agent/agent.h"
#include "runtime/agent/leftover_process.h"

namespace {

using nlohmann::json;
using wf::agent::Agent;
using wf::agent::AgentOptions;
using wf::agent::testing::FakeService;
using wf::agent::testing::RecordedCall;
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "wf-agent-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class LogRecorder {
 public:
  wf::agent::LogSink sink() {
    return [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.emplace_back(line);
    };
  }
  bool contains(const std::string& text) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& line : lines_)
      if (line.find(text) != std::string::npos) return true;
    return false;
  }
  std::string all() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const std::string& line : lines_) out += line + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// An Agent running on a thread of its own until stop().
class RunningAgent {
 public:
  explicit RunningAgent(AgentOptions options) : agent_(std::move(options)) {
    thread_ = std::thread([this] {
      result_ = agent_.run(stop_, &cancel_);
      finished_ = true;
    });
  }
  ~RunningAgent() { stop(); }
  std::string stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return result_;
  }
  void cancel_jobs() { cancel_ = true; }
  bool finished() const { return finished_; }

 private:
  Agent agent_;
  std::atomic<bool> stop_{false}, cancel_{false}, finished_{false};
  std::string result_;
  std::thread thread_;
};

AgentOptions options_for(const std::string& url, const std::string& state_dir, LogRecorder& log) {
  AgentOptions o;
  o.server = url;
  o.enroll_secret = FakeService::kSecret;
  o.hostname = "web1";
  o.state_dir = state_dir;
  o.max_jobs = 2;
  o.poll_wait_ms = 300;
  o.heartbeat_ms = 200;
  o.log = log.sink();
  return o;
}

json command_job(int64_t id, const std::string& command) {
  return {{"id", id}, {"instance_id", 1}, {"host", "web1"}, {"attempt", 1}, {"priority", 0},
          {"scheduled_at", "2026-11-21T08:00:00.000Z"}, {"description", "job " + std::to_string(id)},
          {"kind", "command"}, {"shell_command", command}, {"interpreter", "bash"}, {"env", json::object()},
          {"timeout_ms", 10000}, {"kill_grace_ms", 500}, {"output_cap", 1 << 20}, {"working_dir", ""},
          {"elevated", false}};
}

std::string job_path(int64_t id, const std::string& action) {
  return "/api/v1/agents/jobs/" + std::to_string(id) + "/" + action;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t count_lines(const std::string& path) {
  const std::string text = read_file(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The completion reports the service accepted for `id`.
std::vector<json> accepted_reports(const FakeService& service, int64_t id) {
  std::vector<json> out;
  for (const RecordedCall& call : service.calls_to(job_path(id, "complete")))
    if (call.answered == 200) out.push_back(call.body);
  return out;
}

// Where the first call to `path` is in the record, or -1.
int position_of(const std::vector<RecordedCall>& calls, const std::string& path) {
  for (size_t i = 0; i < calls.size(); ++i)
    if (calls[i].path == path) return static_cast<int>(i);
  return -1;
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

TEST(Agent, EnrollsRunsAJobOnceAndReportsIt) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string state = dir / "state", marker = dir / "marker";
  service.offer_job(command_job(12, "echo hi >> " + quoted(marker) + "; echo done"));
  RunningAgent agent(options_for(service.url(), state, log));
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 12).empty(); })) << log.all();
  ASSERT_TRUE(service.wait_until([&] { return !service.calls_to("/api/v1/agents/heartbeat").empty(); }));
  EXPECT_EQ(agent.stop(), "");

  const auto registrations = service.calls_to("/api/v1/agents/register");
  ASSERT_EQ(registrations.size(), 1u);
  const json& enrolled = registrations[0].body;
  EXPECT_EQ(enrolled["enrollment_secret"], FakeService::kSecret);
  EXPECT_EQ(enrolled["hostname"], "web1");
  EXPECT_TRUE(enrolled["ip"].is_string() && !enrolled["ip"].get<std::string>().empty());
  EXPECT_EQ(enrolled["os"], "linux");

  struct stat info {};
  ASSERT_EQ(::stat((state + "/agent.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const json saved = json::parse(read_file(state + "/agent.json"));
  EXPECT_EQ(saved["agent_id"], 3);
  EXPECT_EQ(saved["token"], "token-1");
  EXPECT_EQ(saved["hostname"], "web1");
  EXPECT_EQ(saved["server"], service.url());

  EXPECT_EQ(read_file(marker), "hi\n");  // it ran, once
  const json report = accepted_reports(service, 12).at(0);
  EXPECT_EQ(report["status"], "completed");
  EXPECT_EQ(report["exit_code"], 0);
  EXPECT_EQ(report["stdout"], "done\n");
  EXPECT_EQ(report["stdout_truncated"], false);
  EXPECT_TRUE(report["duration_ms"].is_number_integer());

  const auto calls = service.calls();
  const int start = position_of(calls, job_path(12, "start"));
  const int output = position_of(calls, job_path(12, "output"));
  const int complete = position_of(calls, job_path(12, "complete"));
  ASSERT_GE(start, 0);
  ASSERT_GE(output, 0) << "the output was not streamed";
  EXPECT_LT(start, output);
  EXPECT_LT(output, complete);
  EXPECT_EQ(calls[output].body["stream"], "stdout");
  EXPECT_EQ(calls[output].body["data"], "done\n");
  EXPECT_EQ(calls[complete].authorization, "Bearer token-1");

  // The journal: started, its process group, and reported.
  const std::string journal = read_file(state + "/started.log");
  EXPECT_EQ(journal.rfind("journal 2\n12\n12 group ", 0), 0u) << journal;
  EXPECT_NE(journal.find("\n12 reported\n"), std::string::npos) << journal;
  EXPECT_TRUE(fs::is_empty(state + "/outbox"));
  EXPECT_TRUE(log.contains("registered as web1 (agent 3)")) << log.all();
  EXPECT_TRUE(log.contains("job 12 started: job 12")) << log.all();
  EXPECT_TRUE(log.contains("job 12 completed (exit 0, ")) << log.all();
}

TEST(Agent, ReportsAnUnknownKindAsConfigWithoutRunningIt) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string marker = dir / "marker";
  json job = command_job(5, "echo ran >> " + quoted(marker));
  job["kind"] = "bogus";
  service.offer_job(job);
  RunningAgent agent(options_for(service.url(), dir / "state", log));
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 5).empty(); })) << log.all();
  EXPECT_EQ(agent.stop(), "");
  const json report = accepted_reports(service, 5).at(0);
  EXPECT_EQ(report["status"], "config");
  EXPECT_NE(report["error"].get<std::string>().find("bogus"), std::string::npos) << report.dump();
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_FALSE(fs::exists(dir / "state/started.log"));
}

// A job handed out runs at once; the service hears of its start while it runs, and a refusal (the
// job no longer handed to this agent) stops it.
TEST(Agent, StopsAJobWhoseStartIsRefused) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string marker = dir / "marker";
  service.answer_start(8, 409);
  service.offer_job(command_job(8, "sleep 30; echo ran >> " + quoted(marker)));
  RunningAgent agent(options_for(service.url(), dir / "state", log));
  ASSERT_TRUE(service.wait_until([&] { return accepted_reports(service, 8).size() == 1; })) << log.all();
  EXPECT_TRUE(log.contains("job 8: the service refused its start")) << log.all();
  const json report = accepted_reports(service, 8)[0];
  EXPECT_EQ(report["status"], "cancelled") << report.dump();
  EXPECT_EQ(report["error"], "the service refused the job's start") << report.dump();
  EXPECT_EQ(agent.stop(), "");
  EXPECT_FALSE(fs::exists(marker));
}

TEST(Agent, RunsAHandedOutJobWithoutWaitingForItsStartToBeAnswered) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string marker = dir / "marker";
  service.answer_start(9, 503);  // the service cannot take the start now: the job runs all the same
  service.offer_job(command_job(9, "echo ran >> " + quoted(marker)));
  RunningAgent agent(options_for(service.url(), dir / "state", log));
  ASSERT_TRUE(service.wait_until([&] { return accepted_reports(service, 9).size() == 1; })) << log.all();
  EXPECT_EQ(accepted_reports(service, 9)[0]["status"], "completed");
  EXPECT_EQ(agent.stop(), "");
  EXPECT_TRUE(fs::exists(marker));
}

TEST(Agent, NeverRunsAJobTwiceAcrossRestarts) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string state = dir / "state", marker = dir / "marker";
  const json job = command_job(7, "echo ran >> " + quoted(marker));
  {
    service.offer_job(job);
    RunningAgent first(options_for(service.url(), state, log));
    ASSERT_TRUE(service.wait_until([&] { return accepted_reports(service, 7).size() == 1; })) << log.all();
    EXPECT_EQ(first.stop(), "");
  }
  // The service, restored from an old backup say, hands the same job out again.
  service.offer_job(job);
  RunningAgent second(options_for(service.url(), state, log));
  ASSERT_TRUE(service.wait_until([&] { return accepted_reports(service, 7).size() == 2; })) << log.all();
  EXPECT_EQ(second.stop(), "");

  EXPECT_EQ(count_lines(marker), 1u);
  EXPECT_EQ(service.calls_to(job_path(7, "start")).size(), 1u);
  EXPECT_EQ(service.calls_to("/api/v1/agents/register").size(), 1u) << "the second run should reuse agent.json";
  const json again = accepted_reports(service, 7).at(1);
  EXPECT_EQ(again["status"], "failed");
  EXPECT_EQ(again["error"], "the agent restarted while this job ran");
}

TEST(Agent, SendsTheStoredReportOfAJobThatRanBeforeARestart) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string state = dir / "state", marker = dir / "marker";
  // What an agent leaves behind when it stops after the job ran but before the service answered.
  fs::create_directories(state + "/outbox");
  std::ofstream(state + "/started.log") << "9\n";
  std::ofstream(state + "/outbox/9.json") << R"({"status":"completed","exit_code":0,"stdout":"earlier\n","stderr":"",)"
                                             R"("stdout_truncated":false,"stderr_truncated":false,"duration_ms":4})";
  service.offer_job(command_job(9, "echo ran >> " + quoted(marker)));
  RunningAgent agent(options_for(service.url(), state, log));
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 9).empty(); })) << log.all();
  // Let the repeated job reach the agent too, then stop.
  ASSERT_TRUE(service.wait_until([&] { return log.contains("job 9 already ran"); })) << log.all();
  EXPECT_EQ(agent.stop(), "");
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_TRUE(service.calls_to(job_path(9, "start")).empty());
  const auto reports = accepted_reports(service, 9);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0]["stdout"], "earlier\n");
  EXPECT_TRUE(fs::is_empty(state + "/outbox"));
}

TEST(Agent, ResendsAReportTheServiceFailedToTake) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string state = dir / "state";
  service.fail_completions(1, 503);
  service.offer_job(command_job(21, "echo out"));
  RunningAgent agent(options_for(service.url(), state, log));
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 21).empty(); })) << log.all();
  ASSERT_TRUE(service.wait_until([&] { return fs::is_empty(state + "/outbox"); }));
  EXPECT_EQ(agent.stop(), "");
  const auto attempts = service.calls_to(job_path(21, "complete"));
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].answered, 503);
  EXPECT_EQ(attempts[1].answered, 200);
  EXPECT_EQ(attempts[0].body, attempts[1].body);
  EXPECT_EQ(attempts[1].body["stdout"], "out\n");
  EXPECT_TRUE(log.contains("server unreachable: the store is busy")) << log.all();
  EXPECT_TRUE(log.contains("connected")) << log.all();
}

TEST(Agent, EnrollsAgainWhenItsTokenIsRefused) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  RunningAgent agent(options_for(service.url(), dir / "state", log));
  ASSERT_TRUE(service.wait_until([&] { return !service.calls_to("/api/v1/agents/poll").empty(); })) << log.all();
  service.forget_tokens();
  ASSERT_TRUE(service.wait_until([&] { return service.calls_to("/api/v1/agents/register").size() == 2; })) << log.all();
  service.offer_job(command_job(30, "true"));
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 30).empty(); })) << log.all();
  EXPECT_EQ(agent.stop(), "");
  EXPECT_EQ(service.calls_to(job_path(30, "complete")).back().authorization, "Bearer token-2");
  EXPECT_EQ(json::parse(read_file(dir / "state/agent.json"))["token"], "token-2");
}

TEST(Agent, WaitsForAServiceThatIsNotUpYet) {
  // Find a free port, then leave it closed until the agent has tried it.
  int port = 0;
  { port = FakeService().port(); }
  TempDir dir;
  LogRecorder log;
  RunningAgent agent(options_for("http://127.0.0.1:" + std::to_string(port), dir / "state", log));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!log.contains("server unreachable") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(log.contains("server unreachable")) << log.all();
  FakeService service(port);
  service.offer_job(command_job(40, "echo late"));
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 40).empty(); })) << log.all();
  EXPECT_EQ(agent.stop(), "");
  EXPECT_EQ(accepted_reports(service, 40).at(0)["stdout"], "late\n");
}

TEST(Agent, SendsOutputThatIsNotUtf8AsReplacementCharacters) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  service.offer_job(command_job(50, R"(printf 'a\377b\n'; printf '\342\202' ; sleep 0.3; printf '\254\n')"));
  RunningAgent agent(options_for(service.url(), dir / "state", log));
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 50).empty(); })) << log.all();
  EXPECT_EQ(agent.stop(), "");
  std::string streamed;
  for (const RecordedCall& call : service.calls_to(job_path(50, "output"))) streamed += call.body["data"].get<std::string>();
  // The euro sign arrived in two pieces and is whole; the lone 0xFF is U+FFFD.
  EXPECT_EQ(streamed, "a\xEF\xBF\xBD" "b\n\xE2\x82\xAC\n");
  EXPECT_EQ(accepted_reports(service, 50).at(0)["stdout"], "a\xEF\xBF\xBD" "b\n\xE2\x82\xAC\n");
}

TEST(Agent, CancelsRunningJobsWhenAskedWhileStopping) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  service.offer_job(command_job(60, "sleep 30"));
  auto agent = std::make_unique<RunningAgent>(options_for(service.url(), dir / "state", log));
  ASSERT_TRUE(service.wait_until([&] { return log.contains("job 60 started"); })) << log.all();
  agent->cancel_jobs();
  EXPECT_EQ(agent->stop(), "");
  const auto reports = accepted_reports(service, 60);
  ASSERT_EQ(reports.size(), 1u) << log.all();
  EXPECT_EQ(reports[0]["status"], "cancelled");
}

TEST(Agent, StoresAReportBeforeSendingItAndJournalsItOnceTaken) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string state = dir / "state";
  std::atomic<bool> stored_when_sent{false}, reported_when_sent{true};
  service.on_completion([&](int64_t id) {
    if (id != 12) return;
    stored_when_sent = fs::exists(state + "/outbox/12.json");
    reported_when_sent = read_file(state + "/started.log").find("12 reported") != std::string::npos;
  });
  service.offer_job(command_job(12, "echo done"));
  RunningAgent agent(options_for(service.url(), state, log));
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 12).empty(); })) << log.all();
  ASSERT_TRUE(service.wait_until([&] { return fs::is_empty(state + "/outbox"); }));
  EXPECT_EQ(agent.stop(), "");
  EXPECT_TRUE(stored_when_sent) << "a crash between the job's end and the send would lose the report";
  EXPECT_FALSE(reported_when_sent);
  EXPECT_NE(read_file(state + "/started.log").find("\n12 reported\n"), std::string::npos) << read_file(state + "/started.log");
}

TEST(Agent, ReportsEveryUnreportedJobOfItsJournalAtStart) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string state = dir / "state";
  // What a kill -9 leaves: job 9 was running, job 10 was reported, job 11 ended and its report
  // was stored but not taken.
  fs::create_directories(state + "/outbox");
  std::ofstream(state + "/started.log") << "journal 2\n9\n10\n10 reported\n11\n";
  std::ofstream(state + "/outbox/11.json") << R"({"status":"completed","exit_code":0,"stdout":"earlier\n","stderr":"",)"
                                              R"("stdout_truncated":false,"stderr_truncated":false,"duration_ms":4})";
  RunningAgent agent(options_for(service.url(), state, log));
  // Nothing is handed out again: the agent reports them of itself.
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 9).empty() && !accepted_reports(service, 11).empty(); }))
      << log.all();
  ASSERT_TRUE(service.wait_until([&] { return fs::is_empty(state + "/outbox"); }));
  EXPECT_EQ(agent.stop(), "");
  const json failed = accepted_reports(service, 9).at(0);
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["error"], "the agent restarted while this job ran");
  EXPECT_EQ(accepted_reports(service, 11).at(0)["stdout"], "earlier\n");
  EXPECT_TRUE(service.calls_to(job_path(10, "complete")).empty());
  const std::string journal = read_file(state + "/started.log");
  EXPECT_NE(journal.find("\n9 reported\n"), std::string::npos) << journal;
  EXPECT_NE(journal.find("\n11 reported\n"), std::string::npos) << journal;
}

TEST(Agent, KillsTheProcessesAJobLeftRunningBeforeReportingIt) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string state = dir / "state";
  // A job's process group that outlived a killed agent.
  const pid_t leftover = ::fork();
  ASSERT_GE(leftover, 0);
  if (leftover == 0) {
    ::setpgid(0, 0);
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(leftover, leftover);
  const auto mark = wf::agent::mark_of(leftover);
  ASSERT_TRUE(mark.has_value());
  fs::create_directories(state);
  std::ofstream(state + "/started.log") << "journal 2\n5\n5 group " << mark->pid << " " << mark->start_ticks << "\n";
  RunningAgent agent(options_for(service.url(), state, log));
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 5).empty(); })) << log.all();
  int status = 0;
  pid_t reaped = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((reaped = ::waitpid(leftover, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (reaped == 0) {
    ::kill(leftover, SIGKILL);
    ::waitpid(leftover, &status, 0);
    FAIL() << "the leftover process was not killed\n" << log.all();
  }
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(agent.stop(), "");
  EXPECT_EQ(accepted_reports(service, 5).at(0)["status"], "failed");
}

TEST(Agent, HeartbeatsNameJobsWhoseReportIsNotYetTaken) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string state = dir / "state";
  fs::create_directories(state);
  std::ofstream(state + "/started.log") << "journal 2\n9\n";
  service.fail_completions(1000, 503);
  RunningAgent agent(options_for(service.url(), state, log));
  const auto names_9 = [&] {
    for (const RecordedCall& call : service.calls_to("/api/v1/agents/heartbeat"))
      if (call.body.is_object() && call.body.value("running", json::array()).dump() == "[9]") return true;
    return false;
  };
  ASSERT_TRUE(service.wait_until(names_9)) << log.all();
  EXPECT_EQ(agent.stop(), "");
}

TEST(Agent, TellsTheServiceItsHostRestartedOnce) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string state = dir / "state";
  fs::create_directories(state);
  std::ofstream(state + "/started.log") << "journal 2\n";
  std::ofstream(state + "/boot_id") << "not-this-boot\n";
  RunningAgent agent(options_for(service.url(), state, log));
  const auto told = [&] {
    int with = 0, after = 0;
    for (const RecordedCall& call : service.calls_to("/api/v1/agents/heartbeat")) {
      if (call.body.is_object() && call.body.value("host_restarted", false)) ++with;
      else if (with > 0) ++after;
    }
    return std::make_pair(with, after);
  };
  ASSERT_TRUE(service.wait_until([&] { return told().second >= 1; })) << log.all();
  EXPECT_EQ(told().first, 1);
  EXPECT_TRUE(log.contains("the host restarted since the agent last ran")) << log.all();
  EXPECT_EQ(agent.stop(), "");
}

TEST(Agent, KillsAJobTheServiceCancelled) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  const std::string marker = dir / "marker";
  service.offer_job(command_job(80, "sleep 30; echo ran >> " + quoted(marker)));
  RunningAgent agent(options_for(service.url(), dir / "state", log));
  ASSERT_TRUE(service.wait_until([&] { return log.contains("job 80 started"); })) << log.all();
  const auto asked = std::chrono::steady_clock::now();
  service.cancel_in_heartbeats(80);
  ASSERT_TRUE(service.wait_until([&] { return !accepted_reports(service, 80).empty(); })) << log.all();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(5));
  EXPECT_EQ(agent.stop(), "");
  const json report = accepted_reports(service, 80).at(0);
  EXPECT_EQ(report["status"], "cancelled");
  EXPECT_EQ(report["error"], "cancelled by an operator");
  EXPECT_FALSE(fs::exists(marker));
}

TEST(Agent, GivesUpWhenTheEnrollmentSecretIsRefused) {
  FakeService service;
  TempDir dir;
  LogRecorder log;
  AgentOptions options = options_for(service.url(), dir / "state", log);
  options.enroll_secret = "wrong";
  Agent agent(options);
  std::atomic<bool> stop{false};
  const std::string error = agent.run(stop);
  EXPECT_NE(error.find("wrong enrollment secret"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir / "state/agent.json"));
}

TEST(Agent, RefusesAStateFolderItCannotCreate) {
  TempDir dir;
  LogRecorder log;
  std::ofstream(dir / "file") << "x";
  FakeService service;
  Agent agent(options_for(service.url(), dir / "file/state", log));
  std::atomic<bool> stop{false};
  EXPECT_NE(agent.run(stop), "");
  EXPECT_TRUE(service.calls().empty());
}

}  // namespace

// The agent's durable state: the registration file, the started-jobs log (including a line torn
// by a crash, the jobs not reported and their process groups), the outbox, and recognising a job's
// leftover process.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/agent/boot_marker.h"
#include "runtime/agent/credentials.h"
#include "runtime/agent/leftover_process.h"
#include "runtime/agent/outbox.h"
#include "runtime/agent/started_log.h"

namespace {

using namespace wf::agent;
namespace fs = std::filesystem;

class StateFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "wf-agent-state-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string dir_;
};

TEST_F(StateFiles, CredentialsRoundTripWithMode0600) {
  const std::string path = dir_ + "/agent.json";
  std::string problem;
  EXPECT_FALSE(load_credentials(path, problem).has_value());
  EXPECT_EQ(problem, "");  // simply not there yet
  ASSERT_EQ(save_credentials(path, Credentials{3, "tok", "web1", "http://x"}), "");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const auto loaded = load_credentials(path, problem);
  ASSERT_TRUE(loaded.has_value()) << problem;
  EXPECT_EQ(loaded->agent_id, 3);
  EXPECT_EQ(loaded->token, "tok");
  EXPECT_EQ(loaded->hostname, "web1");
  EXPECT_EQ(loaded->server, "http://x");
}

TEST_F(StateFiles, UnusableCredentialsAreExplained) {
  const std::string path = dir_ + "/agent.json";
  std::ofstream(path) << R"({"agent_id":"3","token":"t"})";
  std::string problem;
  EXPECT_FALSE(load_credentials(path, problem).has_value());
  EXPECT_NE(problem.find("is not a registration"), std::string::npos) << problem;
}

TEST_F(StateFiles, StartedLogRemembersAcrossLoadsAndCutsATornLine) {
  const std::string path = dir_ + "/started.log";
  {
    StartedLog log(path);
    ASSERT_EQ(log.load(), "");
    EXPECT_FALSE(log.contains(4));
    ASSERT_EQ(log.record(4), "");
    ASSERT_EQ(log.record(17), "");
    EXPECT_TRUE(log.contains(17));
  }
  std::ofstream(path, std::ios::app) << "12";  // a crash in the middle of recording job 123
  StartedLog again(path);
  ASSERT_EQ(again.load(), "");
  EXPECT_TRUE(again.contains(4));
  EXPECT_TRUE(again.contains(17));
  EXPECT_FALSE(again.contains(12));
  EXPECT_EQ(read(path), "journal 2\n4\n17\n");
  ASSERT_EQ(again.record(5), "");
  EXPECT_EQ(read(path), "journal 2\n4\n17\n5\n");
}

TEST_F(StateFiles, StartedLogTellsTheUnreportedJobsAndTheirProcessGroups) {
  const std::string path = dir_ + "/started.log";
  {
    StartedLog log(path);
    ASSERT_EQ(log.load(), "");
    ASSERT_EQ(log.record(4), "");
    ASSERT_EQ(log.record_group(4, ProcessMark{321, 9876}), "");
    ASSERT_EQ(log.record(5), "");
    ASSERT_EQ(log.record_group(5, ProcessMark{322, 9877}), "");
    ASSERT_EQ(log.record_reported(5), "");
    ASSERT_EQ(log.record_reported(5), "");   // once
    ASSERT_EQ(log.record_reported(77), "");  // never started here: nothing to say
    EXPECT_EQ(log.unfinished(), (std::vector<int64_t>{4}));
  }
  EXPECT_EQ(read(path), "journal 2\n4\n4 group 321 9876\n5\n5 group 322 9877\n5 reported\n");
  StartedLog again(path);
  ASSERT_EQ(again.load(), "");
  EXPECT_TRUE(again.contains(4));
  EXPECT_TRUE(again.contains(5));
  EXPECT_FALSE(again.contains(77));
  EXPECT_EQ(again.unfinished(), (std::vector<int64_t>{4}));
  ASSERT_TRUE(again.group_of(4).has_value());
  EXPECT_EQ(again.group_of(4)->pid, 321);
  EXPECT_EQ(again.group_of(4)->start_ticks, 9876u);
  EXPECT_FALSE(again.group_of(5).has_value());
}

TEST_F(StateFiles, AnOlderAgentsJournalCountsAsReported) {
  const std::string path = dir_ + "/started.log";
  std::ofstream(path) << "3\n8\n";  // ids alone, no "reported" lines: nobody knows which ran to their end
  StartedLog log(path);
  ASSERT_EQ(log.load(), "");
  EXPECT_TRUE(log.contains(3));
  EXPECT_TRUE(log.unfinished().empty());
  ASSERT_EQ(log.record(9), "");
  EXPECT_EQ(read(path), "3\n8\njournal 2\n9\n");
  StartedLog again(path);
  ASSERT_EQ(again.load(), "");
  EXPECT_TRUE(again.contains(8));
  EXPECT_EQ(again.unfinished(), (std::vector<int64_t>{9}));
}

TEST_F(StateFiles, ALeftoverGroupIsKilledOnlyWhileItsLeaderIsTheMarkedProcess) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::setpgid(0, 0);
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(child, child);
  const auto mark = mark_of(child);
  ASSERT_TRUE(mark.has_value());
  // Another start time: the pid was recycled for someone else, who is left alone.
  EXPECT_FALSE(kill_leftover_group(ProcessMark{mark->pid, mark->start_ticks + 1}));
  int status = 0;
  EXPECT_EQ(::waitpid(child, &status, WNOHANG), 0);
  EXPECT_TRUE(kill_leftover_group(*mark));
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(mark_of(child).has_value());
}

TEST_F(StateFiles, StartedLogLineIsThereBeforeItsFlush) {
  const std::string path = dir_ + "/started.log";
  StartedLog log(path);
  ASSERT_EQ(log.load(), "");
  ASSERT_EQ(log.write(8), "");  // creates the file
  ASSERT_EQ(log.write(9), "");
  EXPECT_TRUE(log.contains(9));
  // What a restart after a crash of the agent (not of the host) reads, before any flush.
  StartedLog after_a_crash(path);
  ASSERT_EQ(after_a_crash.load(), "");
  EXPECT_TRUE(after_a_crash.contains(8));
  EXPECT_TRUE(after_a_crash.contains(9));
  EXPECT_EQ(log.flush(), "");
  EXPECT_EQ(read(path), "journal 2\n8\n9\n");
  fs::remove(path);
  EXPECT_NE(log.flush(), "");  // a log that is gone cannot be flushed, and says so
}

TEST_F(StateFiles, OutboxStoresListsAndForgetsReports) {
  Outbox outbox(dir_ + "/outbox");
  ASSERT_EQ(outbox.open(), "");
  std::ofstream(dir_ + "/outbox/8.json.tmp-00000001") << "half";  // left by a crash
  std::ofstream(dir_ + "/outbox/notes.txt") << "not a report";
  Outbox reopened(dir_ + "/outbox");
  ASSERT_EQ(reopened.open(), "");
  EXPECT_FALSE(fs::exists(dir_ + "/outbox/8.json.tmp-00000001"));
  ASSERT_EQ(reopened.store(12, R"({"status":"completed"})"), "");
  ASSERT_EQ(reopened.store(3, R"({"status":"failed"})"), "");
  EXPECT_EQ(reopened.pending(), (std::vector<int64_t>{3, 12}));
  EXPECT_EQ(reopened.load(12).value_or(""), R"({"status":"completed"})");
  EXPECT_TRUE(reopened.claim(12));
  EXPECT_FALSE(reopened.claim(12));
  reopened.release(12);
  EXPECT_TRUE(reopened.claim(12));
  reopened.release(12);
  ASSERT_EQ(reopened.remove(12), "");
  EXPECT_EQ(reopened.pending(), (std::vector<int64_t>{3}));
  EXPECT_FALSE(reopened.load(12).has_value());
}

// A report is written in place with one flush: a crash during the write leaves a part, which
// reads as no report (the agent then reports the job failed "the agent restarted").
TEST_F(StateFiles, AReportCutShortByACrashReadsAsNone) {
  Outbox outbox(dir_ + "/outbox");
  ASSERT_EQ(outbox.open(), "");
  std::ofstream(dir_ + "/outbox/5.json") << R"({"status":"completed","stdout":"par)";
  std::ofstream(dir_ + "/outbox/6.json") << "";
  EXPECT_FALSE(outbox.load(5).has_value());
  EXPECT_FALSE(outbox.load(6).has_value());
  ASSERT_EQ(outbox.store(5, R"({"status":"failed"})"), "");
  EXPECT_EQ(outbox.load(5).value_or(""), R"({"status":"failed"})");
}

TEST_F(StateFiles, TheBootIdTellsARestartOfTheHost) {
  const std::string boot = dir_ + "/boot";
  std::ofstream(boot) << "aaaa\n";
  // A new agent: nothing was handed to it before.
  BootCheck first = check_boot(dir_, false, boot);
  EXPECT_FALSE(first.host_restarted);
  EXPECT_EQ(first.error, "");
  EXPECT_EQ(read(dir_ + "/boot_id"), "aaaa\n");
  EXPECT_FALSE(check_boot(dir_, true, boot).host_restarted);  // the agent restarted, the host did not
  std::ofstream(boot) << "bbbb\n";
  EXPECT_TRUE(check_boot(dir_, true, boot).host_restarted);
  EXPECT_FALSE(check_boot(dir_, true, boot).host_restarted);  // kept: told once
  // A journal from an agent that kept no boot id: the host may have restarted.
  fs::remove(dir_ + "/boot_id");
  EXPECT_TRUE(check_boot(dir_, true, boot).host_restarted);
  // No boot id to read: the safe guess, with a word why.
  const BootCheck unknown = check_boot(dir_, true, dir_ + "/none");
  EXPECT_TRUE(unknown.host_restarted);
  EXPECT_NE(unknown.error.find("cannot read the host's boot id"), std::string::npos) << unknown.error;
}

}  // namespace

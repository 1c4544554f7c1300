// Tests of the job executor (jobs/): exit statuses, output capture and capping, timeouts and
// cancellation that take a job's whole process group along, environment passing, shell quoting,
// argv without a shell, script assembly and the ConfigError paths.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "jobs/executor.h"
#include "jobs/script_assembly.h"
#include "jobs/shell_quote.h"

namespace wf::jobs {
namespace {

using namespace std::chrono_literals;

JobSpec bash_script(std::string body) {
  JobSpec spec;
  spec.script_body = std::move(body);
  spec.interpreter = Interpreter::Bash;
  spec.timeout = 10s;
  return spec;
}

JobSpec shell(std::string command) {
  JobSpec spec;
  spec.shell_command = std::move(command);
  spec.timeout = 10s;
  return spec;
}

// True once `pid` no longer runs. A killed background child is reparented to pid 1, which in a
// container may never reap it; a zombie runs no code, so it counts as gone.
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  std::size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

// Waits (bounded) for the kernel to finish tearing a killed process down.
bool eventually_gone(pid_t pid) {
  auto give_up = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < give_up) {
    if (process_gone(pid)) return true;
    std::this_thread::sleep_for(5ms);
  }
  return process_gone(pid);
}

pid_t first_line_pid(const std::string& text) {
  return static_cast<pid_t>(std::stol(text.substr(0, text.find('\n'))));
}

TEST(ExecutorTest, ExitZeroIsCompleted) {
  JobReport report = run_job(shell("true"));
  EXPECT_EQ(report.outcome, JobOutcome::Completed);
  EXPECT_EQ(report.exit_code, 0);
  EXPECT_TRUE(report.error.empty());
}

TEST(ExecutorTest, NonZeroExitIsFailed) {
  JobReport report = run_job(shell("exit 3"));
  EXPECT_EQ(report.outcome, JobOutcome::Failed);
  EXPECT_EQ(report.exit_code, 3);
  EXPECT_EQ(outcome_name(report.outcome), "failed");
}

TEST(ExecutorTest, StdoutAndStderrAreCapturedSeparately) {
  JobReport report = run_job(bash_script("echo to-out\necho to-err >&2\necho more-out\n"));
  EXPECT_EQ(report.outcome, JobOutcome::Completed);
  EXPECT_EQ(report.stdout_text, "to-out\nmore-out\n");
  EXPECT_EQ(report.stderr_text, "to-err\n");
  EXPECT_FALSE(report.stdout_truncated);
  EXPECT_FALSE(report.stderr_truncated);
}

TEST(ExecutorTest, StdinIsDevNull) {
  JobReport report = run_job(shell("cat; echo done"));
  EXPECT_EQ(report.outcome, JobOutcome::Completed);
  EXPECT_EQ(report.stdout_text, "done\n");
}

TEST(ExecutorTest, OutputPastTheCapIsDroppedAndFlagged) {
  // 5 MB on stdout against a 1 MB cap: the job must run to its end (we keep draining the pipe)
  // and exit 0 rather than die of SIGPIPE or block.
  JobSpec spec = shell("head -c 5242880 /dev/zero | tr '\\0' x; echo small >&2");
  spec.output_cap = 1 << 20;
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::Completed);
  EXPECT_EQ(report.stdout_text.size(), std::size_t{1} << 20);
  EXPECT_EQ(report.stdout_text.find_first_not_of('x'), std::string::npos);
  EXPECT_TRUE(report.stdout_truncated);
  EXPECT_EQ(report.stderr_text, "small\n");
  EXPECT_FALSE(report.stderr_truncated);
}

TEST(ExecutorTest, SinkSeesExactlyTheKeptBytes) {
  JobSpec spec = shell("printf abcdefghij; printf XY >&2");
  spec.output_cap = 4;
  std::string streamed_out, streamed_err;
  JobReport report = run_job(spec, nullptr, [&](OutputStream stream, std::string_view bytes) {
    (stream == OutputStream::Stdout ? streamed_out : streamed_err) += bytes;
  });
  EXPECT_EQ(report.stdout_text, "abcd");
  EXPECT_TRUE(report.stdout_truncated);
  EXPECT_EQ(streamed_out, "abcd");
  EXPECT_EQ(streamed_err, "XY");
}

TEST(ExecutorTest, ThrowingSinkDoesNotBreakTheJob) {
  JobReport report = run_job(shell("echo one; echo two"), nullptr,
                             [](OutputStream, std::string_view) { throw std::runtime_error("x"); });
  EXPECT_EQ(report.outcome, JobOutcome::Completed);
  EXPECT_EQ(report.stdout_text, "one\ntwo\n");
}

TEST(ExecutorTest, TimeoutKillsTheJobAndItsBackgroundChildren) {
  JobSpec spec = bash_script("sleep 100 &\necho $!\nwait\n");
  spec.timeout = 300ms;
  spec.kill_grace = 1s;
  auto before = std::chrono::steady_clock::now();
  JobReport report = run_job(spec);
  auto took = std::chrono::steady_clock::now() - before;
  EXPECT_EQ(report.outcome, JobOutcome::TimedOut);
  EXPECT_EQ(report.exit_code, 128 + SIGTERM);
  EXPECT_LT(took, 3s);
  ASSERT_FALSE(report.stdout_text.empty());
  EXPECT_TRUE(eventually_gone(first_line_pid(report.stdout_text)));
}

TEST(ExecutorTest, JobIgnoringSigtermIsKilledAfterTheGrace) {
  JobSpec spec = bash_script("trap '' TERM\necho ready\nwhile :; do sleep 0.05; done\n");
  spec.timeout = 200ms;
  spec.kill_grace = 200ms;
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::TimedOut);
  EXPECT_EQ(report.exit_code, 128 + SIGKILL);
  EXPECT_EQ(report.stdout_text, "ready\n");
}

TEST(ExecutorTest, LeftoverProcessesDieWhenTheJobEnds) {
  // The main process exits at once; its background child still holds the output pipes. The job
  // ends after the drain grace, and the child is killed rather than left running.
  JobSpec spec = bash_script("sleep 100 &\necho $!\nexit 0\n");
  spec.kill_grace = 200ms;
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::Completed);
  EXPECT_EQ(report.exit_code, 0);
  EXPECT_LT(report.duration, 3s);
  ASSERT_FALSE(report.stdout_text.empty());
  EXPECT_TRUE(eventually_gone(first_line_pid(report.stdout_text)));
}

TEST(ExecutorTest, CancelFromAnotherThread) {
  std::atomic<bool> cancel{false};
  std::promise<void> started;
  bool signalled = false;
  std::thread canceller([&, future = started.get_future()]() mutable {
    future.wait();
    cancel = true;
  });
  JobSpec spec = bash_script("echo started\nsleep 100\n");
  spec.kill_grace = 1s;
  JobReport report = run_job(spec, &cancel, [&](OutputStream, std::string_view) {
    if (!signalled) {
      signalled = true;
      started.set_value();
    }
  });
  canceller.join();
  EXPECT_EQ(report.outcome, JobOutcome::Cancelled);
  EXPECT_EQ(report.exit_code, 128 + SIGTERM);
  EXPECT_EQ(report.stdout_text, "started\n");
  EXPECT_LT(report.duration, 5s);
}

TEST(ExecutorTest, CancelledBeforeStartRunsNothing) {
  std::atomic<bool> cancel{true};
  JobReport report = run_job(shell("echo should-not-run"), &cancel);
  EXPECT_EQ(report.outcome, JobOutcome::Cancelled);
  EXPECT_EQ(report.exit_code, -1);
  EXPECT_TRUE(report.stdout_text.empty());
}

TEST(ExecutorTest, EnvironmentVariablesArrive) {
  JobSpec spec = bash_script("printf '%s|%s' \"$WF_PARAM_THRESHOLD\" \"$WF_HOST\"\n");
  spec.env["WF_PARAM_THRESHOLD"] = "85; rm -rf / $(id)";
  spec.env["WF_HOST"] = "web-1";
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::Completed);
  EXPECT_EQ(report.stdout_text, "85; rm -rf / $(id)|web-1");
}

TEST(ExecutorTest, InheritedEnvironmentIsKept) {
  ::setenv("WF_EXECUTOR_TEST_INHERITED", "yes", 1);
  JobReport report = run_job(shell("printf %s \"$WF_EXECUTOR_TEST_INHERITED\""));
  EXPECT_EQ(report.stdout_text, "yes");
}

TEST(ExecutorTest, ArgvFormPassesArgumentsVerbatim) {
  JobSpec spec;
  spec.argv = {"printf", "%s|%s|%s", "$(id)", "a b;`c`", ""};
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::Completed);
  EXPECT_EQ(report.stdout_text, "$(id)|a b;`c`|");
}

TEST(ExecutorTest, MissingProgramIsConfigError) {
  JobSpec spec;
  spec.argv = {"wf-no-such-program-anywhere", "x"};
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::ConfigError);
  EXPECT_EQ(report.error, "command `wf-no-such-program-anywhere` not found");
  EXPECT_EQ(report.exit_code, -1);
}

TEST(ExecutorTest, MissingProgramByPathIsConfigErrorFromExec) {
  // With a `/` the name is not searched: execve fails in the child and reports back.
  JobSpec spec;
  spec.argv = {"/nonexistent/wf-program"};
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::ConfigError);
  EXPECT_EQ(report.error, "command `/nonexistent/wf-program` not found");
}

TEST(ExecutorTest, MissingInterpreterIsConfigError) {
  std::filesystem::path empty_dir =
      std::filesystem::temp_directory_path() / ("wf-empty-path-" + std::to_string(::getpid()));
  std::filesystem::create_directories(empty_dir);
  JobSpec spec = bash_script("echo hi\n");
  spec.env["PATH"] = empty_dir.string();
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::ConfigError);
  EXPECT_EQ(report.error, "interpreter `bash` not found");

  spec.script_body = "Write-Output hi";
  spec.interpreter = Interpreter::PowerShell;
  report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::ConfigError);
  EXPECT_EQ(report.error, "interpreter `pwsh` not found");
  std::filesystem::remove(empty_dir);
}

TEST(ExecutorTest, MissingWorkingDirectoryIsConfigError) {
  JobSpec spec = shell("pwd");
  spec.working_dir = "/nonexistent/wf-dir";
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::ConfigError);
  EXPECT_NE(report.error.find("working directory `/nonexistent/wf-dir`"), std::string::npos)
      << report.error;
}

TEST(ExecutorTest, WorkingDirectoryIsUsed) {
  JobSpec spec = shell("pwd");
  spec.working_dir = "/";
  EXPECT_EQ(run_job(spec).stdout_text, "/\n");
}

TEST(ExecutorTest, OnSpawnRunsOnceWhileTheProcessRuns) {
  // The job waits for a file that only the hook creates: the job can end only if the hook ran
  // while its process was alive.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("wf-on-started-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string marker = (dir / "go").string();
  int calls = 0;
  JobReport report = run_job(shell("for i in $(seq 500); do [ -e '" + marker + "' ] && exit 0; sleep 0.01; done; exit 3"), nullptr, {},
                             [&](int) {
                               ++calls;
                               std::ofstream(marker) << "go";
                             });
  std::filesystem::remove_all(dir);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(report.outcome, JobOutcome::Completed) << report.error;
  EXPECT_EQ(report.exit_code, 0);
}

TEST(ExecutorTest, OnSpawnIsNotCalledWhenNothingStarts) {
  int calls = 0;
  JobSpec spec;
  spec.argv = {"/nonexistent/wf-program"};
  EXPECT_EQ(run_job(spec, nullptr, {}, [&](int) { ++calls; }).outcome, JobOutcome::ConfigError);
  spec = shell("true");
  spec.working_dir = "/nonexistent/wf-dir";
  EXPECT_EQ(run_job(spec, nullptr, {}, [&](int) { ++calls; }).outcome, JobOutcome::ConfigError);
  EXPECT_EQ(calls, 0);
}

TEST(ExecutorTest, ThrowingOnSpawnDoesNotBreakTheJob) {
  JobReport report = run_job(shell("echo ran"), nullptr, {}, [](int) { throw std::runtime_error("bookkeeping failed"); });
  EXPECT_EQ(report.outcome, JobOutcome::Completed);
  EXPECT_EQ(report.stdout_text, "ran\n");
}

TEST(ExecutorTest, JobStartsWithDefaultSignalsAndAnEmptyMask) {
  // Ignored and blocked signals of the caller survive execve unless the spawn resets them.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &before), 0);
  sigset_t blocked, old_mask;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR1);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &blocked, &old_mask), 0);
  JobReport report = run_job(shell("grep -E '^(SigIgn|SigBlk)' /proc/self/status"));
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &before, nullptr);
  ASSERT_EQ(report.outcome, JobOutcome::Completed) << report.error;
  EXPECT_NE(report.stdout_text.find("SigBlk:\t0000000000000000"), std::string::npos) << report.stdout_text;
  // No standard signal is ignored (bash ignores none of its own when not interactive; SIGPIPE is
  // bit 12). glibc's posix_spawn leaves its two internal signals (32 and 33, bits 31 and 32, which
  // no program may use) ignored; a program of another libc that uses them installs its own
  // handlers anyway.
  const size_t at = report.stdout_text.find("SigIgn:\t");
  ASSERT_NE(at, std::string::npos) << report.stdout_text;
  const unsigned long long ignored = std::stoull(report.stdout_text.substr(at + 8, 16), nullptr, 16);
  EXPECT_EQ(ignored & 0x7fffffffULL, 0u) << report.stdout_text;  // signals 1 to 31
}

TEST(ExecutorTest, JobLeadsItsOwnProcessGroupAndInheritsNoDescriptorOfOurs) {
  // A descriptor opened without O_CLOEXEC, as a library might, must not reach the job.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 3);
  JobReport report = run_job(shell("cut -d' ' -f1,5 /proc/$$/stat; [ -e /proc/$$/fd/" + std::to_string(leaked) + " ] && echo leaked || echo closed"));
  ::close(leaked);
  ASSERT_EQ(report.outcome, JobOutcome::Completed) << report.error;
  std::istringstream lines(report.stdout_text);
  long pid = 0, pgid = 0;
  std::string fd;
  lines >> pid >> pgid >> fd;
  EXPECT_EQ(pid, pgid) << report.stdout_text;
  EXPECT_EQ(fd, "closed") << report.stdout_text;
}

TEST(ExecutorTest, SpecWithoutExactlyOneFormIsConfigError) {
  EXPECT_EQ(run_job(JobSpec{}).outcome, JobOutcome::ConfigError);
  JobSpec both = shell("true");
  both.argv = {"true"};
  EXPECT_EQ(run_job(both).outcome, JobOutcome::ConfigError);
}

TEST(ExecutorTest, DeathBySignalIs128PlusSigno) {
  JobReport report = run_job(shell("kill -KILL $$"));
  EXPECT_EQ(report.outcome, JobOutcome::Failed);
  EXPECT_EQ(report.exit_code, 128 + SIGKILL);
}

TEST(ExecutorTest, DurationIsMeasured) {
  JobReport report = run_job(shell("sleep 0.2"));
  EXPECT_EQ(report.outcome, JobOutcome::Completed);
  EXPECT_GE(report.duration, 200ms);
  EXPECT_LT(report.duration, 5s);
}

TEST(ExecutorTest, ScriptFileIsPrivateAndRemovedAfterwards) {
  JobReport report = run_job(bash_script(
      "printf '%s\\n' \"$0\"\nstat -c %a \"$(dirname \"$0\")\"\n"));
  ASSERT_EQ(report.outcome, JobOutcome::Completed) << report.stderr_text;
  std::string path = report.stdout_text.substr(0, report.stdout_text.find('\n'));
  EXPECT_NE(path.find(".sh"), std::string::npos);
  EXPECT_EQ(report.stdout_text.substr(path.size() + 1), "700\n");
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(path).parent_path()));
}

TEST(ExecutorTest, PythonScript) {
  if (!find_interpreter(Interpreter::Python)) GTEST_SKIP() << "python3 is not installed";
  JobSpec spec;
  spec.script_body = "import os, sys\nprint(os.environ['WF_PARAM_NAME'])\nsys.exit(4)\n";
  spec.interpreter = Interpreter::Python;
  spec.env["WF_PARAM_NAME"] = "nginx";
  spec.timeout = 10s;
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::Failed) << report.error << report.stderr_text;
  EXPECT_EQ(report.exit_code, 4);
  EXPECT_EQ(report.stdout_text, "nginx\n");
}

TEST(ExecutorTest, ElevatedAsRootRunsDirectly) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (otherwise sudo would be involved)";
  JobSpec spec = shell("id -u");
  spec.elevated = true;
  JobReport report = run_job(spec);
  EXPECT_EQ(report.outcome, JobOutcome::Completed) << report.error;
  EXPECT_EQ(report.stdout_text, "0\n");
}

TEST(ExecutorTest, AssembleScriptPrependsLibrariesInOrder) {
  std::vector<std::string> libraries = {"log() { echo \"[lib] $*\"; }", "twice() { $1; $1; }\n"};
  std::string script = assemble_script(libraries, "twice 'log hi'");
  EXPECT_EQ(script, "log() { echo \"[lib] $*\"; }\ntwice() { $1; $1; }\ntwice 'log hi'\n");
  JobReport report = run_job(bash_script(script));
  EXPECT_EQ(report.outcome, JobOutcome::Completed) << report.stderr_text;
  EXPECT_EQ(report.stdout_text, "[lib] hi\n[lib] hi\n");
  EXPECT_EQ(assemble_script({}, ""), "");
}

TEST(ExecutorTest, InterpreterCommandLines) {
  EXPECT_EQ(interpreter_arguments(Interpreter::PowerShell, "/t/s.ps1"),
            (std::vector<std::string>{"-NoProfile", "-NonInteractive", "-File", "/t/s.ps1"}));
  EXPECT_EQ(interpreter_arguments(Interpreter::Python, "/t/s.py"),
            (std::vector<std::string>{"/t/s.py"}));
  EXPECT_EQ(script_extension(Interpreter::PowerShell), ".ps1");
  EXPECT_TRUE(find_interpreter(Interpreter::Bash).has_value());
  EXPECT_FALSE(find_interpreter(Interpreter::Bash, "/nonexistent").has_value());
}

// ---------------------------------------------------------------------------------------------
// shell_quote

TEST(ShellQuoteTest, PlainWordsStayBare) {
  EXPECT_EQ(shell_quote("nginx"), "nginx");
  EXPECT_EQ(shell_quote("/var/log/app-1.log"), "/var/log/app-1.log");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("~root"), "'~root'");
  EXPECT_EQ(shell_quote("X=1"), "'X=1'");
}

// Each value printed back by bash, NUL-separated, in one process: what went in comes out.
void expect_round_trip(const std::vector<std::string>& values) {
  std::string command = "printf '%s\\0'";
  for (const std::string& value : values) command += " " + shell_quote(value);
  JobReport report = run_job(shell(command));
  ASSERT_EQ(report.outcome, JobOutcome::Completed) << report.stderr_text;
  std::vector<std::string> printed;
  std::size_t at = 0;
  while (at < report.stdout_text.size()) {
    std::size_t nul = report.stdout_text.find('\0', at);
    ASSERT_NE(nul, std::string::npos);
    printed.push_back(report.stdout_text.substr(at, nul - at));
    at = nul + 1;
  }
  ASSERT_EQ(printed.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(printed[i], values[i]) << "value " << i;
}

TEST(ShellQuoteTest, NastyStringsRoundTripThroughBash) {
  expect_round_trip({
      "", " ", "two words", "'", "''", "\"", "it's \"quoted\"", "$(id)", "`id`", "${HOME}",
      "$HOME", "a;b", "a && b || c", "line1\nline2\n", "tab\there", "back\\slash", "*", "?",
      "[a-z]", "{a,b}", "~", "#comment", "!event", "-n", "--", "a|b>c<d", "(sub)", "X=1",
      "%1", "héllo wörld", "日本語", "\x7f\x01\x1b[31m", "\xff\xfe invalid utf-8",
  });
}

TEST(ShellQuoteTest, GeneratedStringsRoundTripThroughBash) {
  std::mt19937 random(20240611);
  const std::string specials = "'\"`$\\!*?[]{}()<>|&;#~= \t\n%^";
  std::vector<std::string> values;
  for (int i = 0; i < 400; ++i) {
    std::string value;
    int length = static_cast<int>(random() % 24);
    for (int j = 0; j < length; ++j) {
      switch (random() % 3) {
        case 0: value += specials[random() % specials.size()]; break;
        case 1: value += static_cast<char>('a' + random() % 26); break;
        default: value += static_cast<char>(1 + random() % 255); break;  // any byte but NUL
      }
    }
    values.push_back(std::move(value));
  }
  expect_round_trip(values);
}

TEST(ShellQuoteTest, QuotedValueIsOneArgument) {
  JobReport report = run_job(shell("set -- " + shell_quote("a b $(c) 'd'") + "; echo $#"));
  EXPECT_EQ(report.stdout_text, "1\n");
}

}  // namespace
}  // namespace wf::jobs

// Process execution for jobs: the command is resolved in the parent, posix_spawn sets the child
// up and calls execve, and one poll() loop watches the output pipes, the process and the clocks.
#include "jobs/executor.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "jobs/os_user.h"
#include "jobs/path_search.h"
#include "jobs/script_assembly.h"
#include "jobs/script_file.h"

extern char** environ;

namespace wf::jobs {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often the loop wakes with nothing to report: an atomic flag cannot wake poll(), and without
// a pidfd neither can the main process's exit.
constexpr milliseconds kTick{50};
constexpr std::size_t kReadChunk = 64 * 1024;

std::string errno_text(int error) { return std::strerror(error); }

// Owns one file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Why a job could not be run, before or instead of a process exit.
struct Failure {
  JobOutcome outcome;
  std::string error;
};

Failure config_error(std::string error) { return {JobOutcome::ConfigError, std::move(error)}; }
Failure internal_error(std::string error) { return {JobOutcome::Internal, std::move(error)}; }

// What to execve: the resolved program, the full argument vector, and how to name it in messages
// ("command `curl`", "interpreter `pwsh`").
struct Command {
  std::string program;
  std::vector<std::string> argv;
  std::string what;
};

bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

// The job's environment: ours, overridden by spec.env.
std::optional<Failure> job_environment(const JobSpec& spec,
                                       std::map<std::string, std::string>& env) {
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view pair(*entry);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
  }
  for (const auto& [name, value] : spec.env) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name)) {
      return config_error(fmt::format("invalid environment variable name `{}`", name));
    }
    if (has_nul(value)) {
      return config_error(fmt::format("environment variable `{}` contains a NUL byte", name));
    }
    env[name] = value;
  }
  return std::nullopt;
}

Failure interpreter_missing(Interpreter interpreter) {
  return config_error(
      fmt::format("interpreter `{}` not found", interpreter_program(interpreter)));
}

// Resolves what to run. A script body is written to `script`, which the caller keeps alive until
// the process has ended.
std::optional<Failure> prepare_command(const JobSpec& spec, std::string_view path,
                                       ScriptFile& script, Command& command) {
  int forms = (spec.argv.empty() ? 0 : 1) + (spec.shell_command ? 1 : 0) +
              (spec.script_body ? 1 : 0);
  if (forms != 1) {
    return config_error("a job needs exactly one of: an argument vector, a shell command, a script");
  }

  if (!spec.argv.empty()) {
    for (const std::string& argument : spec.argv) {
      if (has_nul(argument)) return config_error("a command argument contains a NUL byte");
    }
    command.what = fmt::format("command `{}`", spec.argv[0]);
    std::optional<std::string> program = find_program(spec.argv[0], path);
    if (!program) return config_error(command.what + " not found");
    command.program = *program;
    command.argv = spec.argv;
  } else if (spec.shell_command) {
    if (has_nul(*spec.shell_command)) return config_error("the shell command contains a NUL byte");
    std::optional<std::string> bash = find_interpreter(Interpreter::Bash, path);
    if (!bash) return interpreter_missing(Interpreter::Bash);
    command.what = "interpreter `bash`";
    command.program = *bash;
    command.argv = {"bash", "-c", *spec.shell_command};
  } else {
    std::optional<std::string> interpreter = find_interpreter(spec.interpreter, path);
    if (!interpreter) return interpreter_missing(spec.interpreter);
    std::string error = script.create(*spec.script_body, script_extension(spec.interpreter));
    if (!error.empty()) return internal_error(std::move(error));
    command.what = fmt::format("interpreter `{}`", interpreter_program(spec.interpreter));
    command.program = *interpreter;
    command.argv = {std::string(interpreter_program(spec.interpreter))};
    for (std::string& argument : interpreter_arguments(spec.interpreter, script.path())) {
      command.argv.push_back(std::move(argument));
    }
  }

  if (spec.elevated && ::geteuid() != 0) {
    std::optional<std::string> sudo = find_program("sudo", path);
    if (!sudo) return config_error("elevated job needs `sudo`, which was not found");
    // sudo resets the environment; the variables we add must be named to survive it.
    std::vector<std::string> argv = {"sudo", "-n"};
    if (!spec.env.empty()) {
      std::string names;
      for (const auto& entry : spec.env) {
        if (!names.empty()) names += ',';
        names += entry.first;
      }
      argv.push_back("--preserve-env=" + names);
    }
    argv.push_back("--");
    argv.push_back(command.program);  // absolute, so sudo's secure_path cannot pick another one
    argv.insert(argv.end(), command.argv.begin() + 1, command.argv.end());
    command.program = *sudo;
    command.argv = std::move(argv);
    command.what = "`sudo`";
  }
  return std::nullopt;
}

// A descriptor numbered 0-2 (possible when the service runs with stdio closed) would be clobbered
// by the child's own dup2 onto 0-2, so move it above them.
bool lift_above_stdio(Fd& fd) {
  if (fd.get() > 2) return true;
  int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return false;
  fd.reset(moved);
  return true;
}

bool make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return lift_above_stdio(read_end) && lift_above_stdio(write_end);
}

// The job's main process; also its process group id. Kills the group and reaps the process if
// it is dropped before reap() — the path taken when something throws mid-job.
struct Child {
  pid_t pid = -1;
  Fd out;
  Fd err;
  Fd pidfd;  // readable once the process has exited; invalid on kernels without pidfd_open

  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid > 0) {
      ::kill(-pid, SIGKILL);
      reap();
    }
  }

  // Waits for the process and returns its wait status; nullopt if it was already reaped behind
  // our back (SIGCHLD ignored).
  std::optional<int> reap() {
    int status = 0;
    pid_t got;
    do {
      got = ::waitpid(pid, &status, 0);
    } while (got < 0 && errno == EINTR);
    pid = -1;
    if (got < 0) return std::nullopt;
    return status;
  }
};

Failure exec_failure(const Command& command, int error) {
  if (error == ENOENT) return config_error(command.what + " not found");
  std::string message = fmt::format("{} could not be started: {}", command.what, errno_text(error));
  // Resource shortages may pass; anything else is about the program and will not.
  if (error == ENOMEM || error == EAGAIN || error == EMFILE || error == ENFILE) {
    return internal_error(std::move(message));
  }
  return config_error(std::move(message));
}

// Why the process could not be started: posix_spawn answers with one errno for every step of
// the child's set-up, so a working directory that cannot be entered is told apart by trying it
// from here.
Failure spawn_failure(const Command& command, const std::string& working_dir, int error) {
  if (!working_dir.empty()) {
    const int dir = ::open(working_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return config_error(fmt::format("working directory `{}`: {}", working_dir, errno_text(errno)));
    ::close(dir);
    if (::access(working_dir.c_str(), X_OK) != 0)
      return config_error(fmt::format("working directory `{}`: {}", working_dir, errno_text(errno)));
  }
  return exec_failure(command, error);
}

// Frees a posix_spawn attribute and file-actions object however the spawn goes.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  bool attr_ready = false;
  bool actions_ready = false;
  ~SpawnSetup() {
    if (attr_ready) posix_spawnattr_destroy(&attr);
    if (actions_ready) posix_spawn_file_actions_destroy(&actions);
  }
};

// The started process becomes `child`: its pid, the read ends of its output pipes, and a pidfd
// where the kernel has them.
void adopt(Child& child, pid_t pid, Fd out, Fd err) {
  child.pid = pid;
  child.out = std::move(out);
  child.err = std::move(err);
#ifdef SYS_pidfd_open
  child.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
#endif
}

// The argument and environment vectors execve takes, built before the process is made: the
// pointers refer to `command`'s strings and to `pairs`, which the struct keeps alive.
struct ExecArgs {
  std::vector<std::string> pairs;  // NAME=value
  std::vector<char*> argv, envp;   // each ends with nullptr
};

ExecArgs exec_args(const Command& command, const std::map<std::string, std::string>& env) {
  ExecArgs out;
  for (const std::string& argument : command.argv) out.argv.push_back(const_cast<char*>(argument.c_str()));
  out.argv.push_back(nullptr);
  for (const auto& [name, value] : env) out.pairs.push_back(name + "=" + value);
  for (const std::string& pair : out.pairs) out.envp.push_back(const_cast<char*>(pair.c_str()));
  out.envp.push_back(nullptr);
  return out;
}

// Starts the process with posix_spawn, which glibc runs as clone(CLONE_VM | CLONE_VFORK): the
// child shares our memory until its execve instead of copying the page tables of a large,
// multi-threaded agent as fork does, and reports a failed execve (or chdir) back as the call's
// result. Everything it needs is built here first.
std::optional<Failure> spawn(const Command& command, const std::map<std::string, std::string>& env,
                             const std::string& working_dir, Child& child) {
  ExecArgs args = exec_args(command, env);

  Fd stdin_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!stdin_null.valid() || !lift_above_stdio(stdin_null)) {
    return internal_error(fmt::format("cannot open /dev/null: {}", errno_text(errno)));
  }
  Fd out_read, out_write, err_read, err_write;
  if (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write)) {
    return internal_error(fmt::format("cannot create a pipe: {}", errno_text(errno)));
  }

  SpawnSetup setup;
  auto failed = [](int rc) { return internal_error(fmt::format("cannot set up the job's process: {}", errno_text(rc))); };
  if (int rc = posix_spawnattr_init(&setup.attr); rc != 0) return failed(rc);
  setup.attr_ready = true;
  if (int rc = posix_spawn_file_actions_init(&setup.actions); rc != 0) return failed(rc);
  setup.actions_ready = true;
  // A new process group (for killing the job and whatever it starts); dispositions set to
  // "ignore" and the signal mask survive execve, and a job must not inherit the service's choices
  // (an ignored SIGPIPE would make `yes | head` run forever).
  sigset_t all_signals, no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  int rc = posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  if (rc == 0) rc = posix_spawnattr_setpgroup(&setup.attr, 0);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&setup.attr, &all_signals);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&setup.attr, &no_signals);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&setup.actions, stdin_null.get(), 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), 2);
  if (rc == 0 && !working_dir.empty()) rc = posix_spawn_file_actions_addchdir_np(&setup.actions, working_dir.c_str());
  // Descriptors the service opened without O_CLOEXEC (sockets, database files) stay behind.
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  if (rc != 0) return failed(rc);

  pid_t pid = -1;
  rc = ::posix_spawn(&pid, command.program.c_str(), &setup.actions, &setup.attr, args.argv.data(), args.envp.data());
  if (rc != 0) return spawn_failure(command, working_dir, rc);

  // The child was in its own group before its execve, so signals to the group reach it from now.
  adopt(child, pid, std::move(out_read), std::move(err_read));
  return std::nullopt;
}

// Starts the process as another account (JobSpec::run_as_user). posix_spawn cannot change a
// process's credentials, so the child is forked, and between fork and execve it makes only
// async-signal-safe calls: its own process group, default signal dispositions, stdio, then the
// account's supplementary groups, gid and uid (in that order: once the uid is dropped nothing
// else could be changed), the working directory, the descriptors closed, the signal mask
// cleared, execve. A step that fails is written to a close-on-exec pipe as (step, errno) and the
// child exits; the pipe's end-of-file tells the parent the execve succeeded.
std::optional<Failure> spawn_as(const Command& command, const std::map<std::string, std::string>& env,
                                const std::string& working_dir, const OsUser& user, Child& child) {
  ExecArgs args = exec_args(command, env);

  Fd stdin_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!stdin_null.valid() || !lift_above_stdio(stdin_null)) {
    return internal_error(fmt::format("cannot open /dev/null: {}", errno_text(errno)));
  }
  Fd out_read, out_write, err_read, err_write, report_read, report_write;
  if (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write) || !make_pipe(report_read, report_write)) {
    return internal_error(fmt::format("cannot create a pipe: {}", errno_text(errno)));
  }
  const int report = report_write.get();
  // No signal handler of ours may run in the child between fork and execve.
  sigset_t all_signals, previous;
  sigfillset(&all_signals);
  ::pthread_sigmask(SIG_SETMASK, &all_signals, &previous);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const auto fail = [report](int step) {
      const int message[2] = {step, errno};
      [[maybe_unused]] ssize_t written = ::write(report, message, sizeof message);
      ::_exit(127);
    };
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &default_action, nullptr);
    if (::setpgid(0, 0) != 0) fail(1);
    if (::dup2(stdin_null.get(), 0) < 0 || ::dup2(out_write.get(), 1) < 0 || ::dup2(err_write.get(), 2) < 0) fail(2);
    if (::setgroups(user.groups.size(), user.groups.data()) != 0) fail(3);
    if (::setgid(user.gid) != 0) fail(4);
    if (::setuid(user.uid) != 0) fail(5);
    if (!working_dir.empty() && ::chdir(working_dir.c_str()) != 0) fail(6);
    if (report > 3) ::close_range(3, static_cast<unsigned>(report - 1), 0);
    ::close_range(static_cast<unsigned>(report + 1), ~0u, 0);
    sigset_t no_signals;
    sigemptyset(&no_signals);
    ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
    ::execve(command.program.c_str(), args.argv.data(), args.envp.data());
    fail(7);
  }
  const int fork_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) return internal_error(fmt::format("cannot fork: {}", errno_text(fork_error)));
  report_write.reset();
  int message[2] = {0, 0};
  ssize_t got;
  do {
    got = ::read(report_read.get(), message, sizeof message);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof message)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const int step = message[0], error = message[1];
    if (step >= 3 && step <= 5)
      return config_error(fmt::format("permission: cannot switch to user `{}`: {}", user.name, errno_text(error)));
    if (step == 6) return config_error(fmt::format("working directory `{}`: {}", working_dir, errno_text(error)));
    if (step == 7) return exec_failure(command, error);
    return internal_error(fmt::format("cannot set up the job's process: {}", errno_text(error)));
  }
  adopt(child, pid, std::move(out_read), std::move(err_read));
  return std::nullopt;
}

// Whether the main process has exited, without reaping it: while it is an unreaped zombie its
// pid cannot be reused, so signalling its process group cannot hit anybody else's.
bool main_process_exited(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno != EINTR;  // ECHILD: nothing left to wait for
  }
  return info.si_pid == pid;
}

// One output stream being captured.
struct Capture {
  OutputStream stream;
  Fd fd;
  std::string text;
  bool truncated = false;
};

class Supervisor {
 public:
  Supervisor(const JobSpec& spec, Child& child, const std::atomic<bool>* cancel,
             const OutputSink& on_output)
      : spec_(spec), child_(child), cancel_(cancel), on_output_(on_output),
        sink_live_(static_cast<bool>(on_output)) {
    out_.stream = OutputStream::Stdout;
    out_.fd = std::move(child.out);
    err_.stream = OutputStream::Stderr;
    err_.fd = std::move(child.err);
  }

  JobReport run(Clock::time_point start);

 private:
  void read_some(Capture& capture);
  void keep(Capture& capture, std::string_view bytes);

  const JobSpec& spec_;
  Child& child_;
  const std::atomic<bool>* cancel_;
  const OutputSink& on_output_;
  bool sink_live_;
  Capture out_;
  Capture err_;
  std::vector<char> buffer_ = std::vector<char>(kReadChunk);
};

void Supervisor::keep(Capture& capture, std::string_view bytes) {
  std::size_t room = spec_.output_cap > capture.text.size() ? spec_.output_cap - capture.text.size() : 0;
  std::string_view kept = bytes.substr(0, std::min(room, bytes.size()));
  if (kept.size() < bytes.size()) capture.truncated = true;
  if (kept.empty()) return;
  capture.text.append(kept);
  if (sink_live_) {
    try {
      on_output_(capture.stream, kept);
    } catch (...) {
      sink_live_ = false;  // a broken consumer must not take the job, or its teardown, with it
    }
  }
}

void Supervisor::read_some(Capture& capture) {
  ssize_t got = ::read(capture.fd.get(), buffer_.data(), buffer_.size());
  if (got > 0) {
    keep(capture, std::string_view(buffer_.data(), static_cast<std::size_t>(got)));
  } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
    capture.fd.reset();
  }
}

JobReport Supervisor::run(Clock::time_point start) {
  const pid_t group = child_.pid;
  const Clock::time_point deadline = start + spec_.timeout;
  std::optional<JobOutcome> killed_for;  // set once we have sent SIGTERM: TimedOut or Cancelled
  Clock::time_point sigkill_at{};
  bool sigkill_sent = false;
  bool exited = false;
  Clock::time_point drain_until{};
  bool leftovers_killed = false;
  std::string loop_error;

  while (true) {
    Clock::time_point now = Clock::now();
    if (!exited && main_process_exited(child_.pid)) {
      exited = true;
      drain_until = now + spec_.kill_grace;
    }
    if (!exited) {
      if (!killed_for) {
        if (cancel_ != nullptr && cancel_->load()) {
          killed_for = JobOutcome::Cancelled;
        } else if (now >= deadline) {
          killed_for = JobOutcome::TimedOut;
        }
        if (killed_for) {
          ::kill(-group, SIGTERM);
          sigkill_at = now + spec_.kill_grace;
        }
      }
      if (killed_for && !sigkill_sent && now >= sigkill_at) {
        ::kill(-group, SIGKILL);
        sigkill_sent = true;
      }
    } else {
      if (!out_.fd.valid() && !err_.fd.valid()) break;
      if (now >= drain_until) {
        // Whoever still holds the pipes outside the group is not ours to wait for.
        if (leftovers_killed) break;
        ::kill(-group, SIGKILL);
        leftovers_killed = true;
        drain_until = now + spec_.kill_grace;
      }
    }

    // Sleep until output arrives, the process exits, or the next deadline.
    Clock::time_point wake = now + std::chrono::hours(1);
    if (exited) {
      wake = drain_until;
    } else {
      if (!killed_for) {
        wake = std::min(wake, deadline);
        if (cancel_ != nullptr) wake = std::min(wake, now + kTick);
      } else if (!sigkill_sent) {
        wake = std::min(wake, sigkill_at);
      }
      if (!child_.pidfd.valid()) wake = std::min(wake, now + kTick);
    }
    pollfd fds[3];
    nfds_t count = 0;
    Capture* owners[3] = {nullptr, nullptr, nullptr};
    for (Capture* capture : {&out_, &err_}) {
      if (!capture->fd.valid()) continue;
      owners[count] = capture;
      fds[count++] = pollfd{capture->fd.get(), POLLIN, 0};
    }
    if (!exited && child_.pidfd.valid()) fds[count++] = pollfd{child_.pidfd.get(), POLLIN, 0};
    long long wait_ms = std::chrono::ceil<milliseconds>(wake - now).count();
    int timeout_ms = static_cast<int>(std::clamp<long long>(wait_ms, 0, INT_MAX));
    int ready = ::poll(fds, count, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      loop_error = fmt::format("waiting for the job failed: {}", errno_text(errno));
      break;
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (owners[i] == nullptr || fds[i].revents == 0) continue;
      if ((fds[i].revents & POLLNVAL) != 0) {
        owners[i]->fd.reset();
      } else {
        read_some(*owners[i]);
      }
    }
  }

  // Whatever is left of the group goes now. The main process is still an unreaped zombie (or,
  // after a poll failure, alive), so the group id cannot belong to anyone else.
  ::kill(-group, SIGKILL);
  std::optional<int> status = child_.reap();

  JobReport report;
  report.stdout_text = std::move(out_.text);
  report.stderr_text = std::move(err_.text);
  report.stdout_truncated = out_.truncated;
  report.stderr_truncated = err_.truncated;
  report.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  if (!loop_error.empty()) {
    report.outcome = JobOutcome::Internal;
    report.error = std::move(loop_error);
    return report;
  }
  if (!status) {
    report.outcome = JobOutcome::Internal;
    report.error = "the job's exit status was lost (is SIGCHLD ignored in this process?)";
    return report;
  }
  if (WIFEXITED(*status)) {
    report.exit_code = WEXITSTATUS(*status);
  } else if (WIFSIGNALED(*status)) {
    report.exit_code = 128 + WTERMSIG(*status);
  }
  if (killed_for) {
    report.outcome = *killed_for;
  } else {
    report.outcome = report.exit_code == 0 ? JobOutcome::Completed : JobOutcome::Failed;
  }
  return report;
}

JobReport failed_report(Failure failure, Clock::time_point start) {
  JobReport report;
  report.outcome = failure.outcome;
  report.error = std::move(failure.error);
  report.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  return report;
}

JobReport run_job_unguarded(const JobSpec& spec, const std::atomic<bool>* cancel,
                            const OutputSink& on_output, const SpawnSink& on_spawn, Clock::time_point start) {
  if (cancel != nullptr && cancel->load()) {
    return failed_report({JobOutcome::Cancelled, "cancelled before it started"}, start);
  }
  std::map<std::string, std::string> env;
  if (auto failure = job_environment(spec, env)) return failed_report(std::move(*failure), start);
  auto path_entry = env.find("PATH");
  std::string path = path_entry != env.end() ? path_entry->second : std::string(kDefaultPath);

  // A job run as another account: the account must exist, and only root may switch to it.
  std::optional<OsUser> user;
  if (!spec.run_as_user.empty()) {
    std::string error;
    user = find_os_user(spec.run_as_user, error);
    if (!user) return failed_report(config_error(fmt::format("permission: {}", error)), start);
    if (::geteuid() != 0)
      return failed_report(
          config_error(fmt::format("permission: the agent does not run as root, so it cannot run a job as user `{}`", user->name)), start);
    env["HOME"] = user->home;
    env["USER"] = user->name;
    env["LOGNAME"] = user->name;
  }
  ScriptFile script;  // declared before the child, so it outlives the process that reads it
  Command command;
  if (auto failure = prepare_command(spec, path, script, command)) {
    return failed_report(std::move(*failure), start);
  }
  if (user && !script.path().empty()) {
    if (std::string error = script.give_to(user->uid, user->gid); !error.empty()) return failed_report(internal_error(std::move(error)), start);
  }
  Child child;
  if (auto failure = user ? spawn_as(command, env, spec.working_dir, *user, child) : spawn(command, env, spec.working_dir, child)) {
    return failed_report(std::move(*failure), start);
  }
  if (on_spawn) {
    try {
      on_spawn(child.pid);
    } catch (...) {
      // The process runs whatever the caller's bookkeeping did; the supervisor must watch it.
    }
  }
  Supervisor supervisor(spec, child, cancel, on_output);
  JobReport report = supervisor.run(start);
  // `sudo -n` refuses rather than prompt: the agent is not allowed to elevate without a password.
  if (command.what == "`sudo`" && report.outcome == JobOutcome::Failed && report.exit_code == 1 &&
      report.stderr_text.find("a password is required") != std::string::npos) {
    report.outcome = JobOutcome::ConfigError;
    report.error = "permission: sudo asks for a password, and an elevated job cannot give one (sudo -n)";
  }
  return report;
}

}  // namespace

JobReport run_job(const JobSpec& spec, const std::atomic<bool>* cancel,
                  const OutputSink& on_output, const SpawnSink& on_spawn) {
  Clock::time_point start = Clock::now();
  try {
    return run_job_unguarded(spec, cancel, on_output, on_spawn, start);
  } catch (const std::exception& e) {
    // Only allocation can get here; Child's destructor has already killed and reaped the job.
    return failed_report(internal_error(fmt::format("job executor failed: {}", e.what())), start);
  } catch (...) {
    return failed_report(internal_error("job executor failed"), start);
  }
}

}  // namespace wf::jobs

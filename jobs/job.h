// The vocabulary of the job executor: what to run (JobSpec) and what came of it (JobReport).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wf::jobs {

// The languages a managed script may be written in (SPEC §1.2 `lang`).
enum class Interpreter { Bash, Python, PowerShell };

// One process to run. Exactly one of `argv`, `shell_command` and `script_body` is set; a spec
// with none or several is rejected as a ConfigError rather than guessed at.
struct JobSpec {
  // Run directly with execve, no shell: every element reaches the program verbatim.
  std::vector<std::string> argv;
  // Run by `bash -c`. Values interpolated into it must already be shell_quote()d.
  std::optional<std::string> shell_command;
  // Written to a private temporary file and run by `interpreter`; libraries are prepended by the
  // caller with assemble_script().
  std::optional<std::string> script_body;
  Interpreter interpreter = Interpreter::Bash;

  // Added to (and overriding) the inherited environment. This is the only way parameters
  // (WF_PARAM_*) and credentials reach a job: never its argv, never the script text. A PATH given
  // here is also the one used to find the program or interpreter.
  std::map<std::string, std::string> env;

  std::chrono::milliseconds timeout{300000};  // SPEC §1.2: scripts default to 300 s
  // After SIGTERM to the job's process group, how long it has to exit before SIGKILL; also how
  // long output pipes held open by leftover processes are drained once the job's main process
  // has exited.
  std::chrono::milliseconds kill_grace{2000};
  std::size_t output_cap = std::size_t{1} << 20;  // bytes kept per stream; the rest is discarded
  std::string working_dir;                        // empty: inherit the caller's
  // Needs root: run through `sudo -n` when we are not root, directly when we are.
  bool elevated = false;
  // The operating-system account the process runs as (uid, gid, supplementary groups, HOME,
  // USER, LOGNAME), switched to after fork and before execve; empty: the caller's own. Only a
  // root caller can switch: otherwise, or when the account does not exist, the job is refused
  // (ConfigError, "permission: ...").
  std::string run_as_user;
};

enum class JobOutcome {
  Completed,    // exited with status 0
  Failed,       // exited non-zero, or died of a signal we did not send
  TimedOut,     // we killed it because `timeout` elapsed
  Cancelled,    // we killed it (or never started it) because the cancel flag was raised
  ConfigError,  // could not start for a reason a retry will not fix: missing program,
                // interpreter, sudo or working directory, or a malformed spec
  Internal,     // the executor itself failed (pipe, fork, temporary file): trouble on this host
                // that may pass, so retrying is allowed
};

// The lower-case name used in reports and logs: "completed", "failed", "timeout", "cancelled",
// "config", "internal".
constexpr std::string_view outcome_name(JobOutcome outcome) {
  switch (outcome) {
    case JobOutcome::Completed: return "completed";
    case JobOutcome::Failed: return "failed";
    case JobOutcome::TimedOut: return "timeout";
    case JobOutcome::Cancelled: return "cancelled";
    case JobOutcome::ConfigError: return "config";
    case JobOutcome::Internal: return "internal";
  }
  return "internal";
}

struct JobReport {
  JobOutcome outcome = JobOutcome::Internal;
  // The exit status, or 128 + signal number when the process died of a signal (the shell's
  // convention); -1 when no process ran to an end (ConfigError, Internal, cancelled before start).
  int exit_code = -1;
  std::string stdout_text;  // at most output_cap bytes each, raw bytes (not necessarily UTF-8)
  std::string stderr_text;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::chrono::milliseconds duration{0};  // from start of the process to its reaping
  std::string error;  // why, for ConfigError and Internal: "interpreter `pwsh` not found"
};

enum class OutputStream { Stdout, Stderr };

// Receives output as it arrives, on the thread that called run_job, in the order read. Only the
// bytes kept under output_cap are passed on. A sink that throws is not called again; the job
// goes on.
using OutputSink = std::function<void(OutputStream, std::string_view)>;
// Told the id of a job's process group (its main process's pid) once the process exists, before
// the job's output is read.
using SpawnSink = std::function<void(int process_group)>;

}  // namespace wf::jobs

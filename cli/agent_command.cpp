// `wf agent --server URL --enroll SECRET` (SPEC §4.2, §6): runs this host's jobs for a service
// until SIGINT or SIGTERM. The first signal stops polling and lets running jobs finish; a second
// one cancels them; a third exits at once. Exits 0 after a stop, 2 when the agent cannot run (bad
// arguments, unusable state folder, enrollment refused) or was made to exit at once.
#include "agent_command.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/client/commands.h"
#include "exit_codes.h"
#include "runtime/agent/agent.h"
#include "runtime/store/host_tags.h"

namespace wf::cli {

namespace {

struct AgentCommandOptions {
  std::string server, enroll, hostname, state = "wf-agent-state";
  int max_jobs = 4;
  int heartbeat_ms = 5000;
  std::vector<std::string> tags;
};

// Signals are taken by a thread of their own with sigtimedwait, so nothing runs inside a signal
// handler; SIGINT and SIGTERM are blocked in every other thread (threads inherit the mask, so it
// is set before any is created).
class StopSignals {
 public:
  StopSignals(std::atomic<bool>& stop, std::atomic<bool>& cancel) : stop_(stop), cancel_(cancel) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    thread_ = std::thread([this] { wait_for_signals(); });
  }
  ~StopSignals() {
    finished_ = true;
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

 private:
  void wait_for_signals() {
    while (!finished_) {
      timespec tick{0, 200'000'000};  // how often to look whether the agent has ended
      const int received = sigtimedwait(&set_, nullptr, &tick);
      if (received < 0) continue;
      if (!stop_.exchange(true)) {
        say("stopping after the open poll (up to 5 s) and the running jobs; signal again to cancel them");
      } else if (!cancel_.exchange(true)) {
        say("cancelling the running jobs; signal again to exit at once");
      } else {
        // The open poll cannot be interrupted; undelivered reports wait in the outbox for the
        // next start, and the job ids in started.log keep anything from running twice.
        say("exiting at once");
        std::_Exit(kExitUsage);
      }
    }
  }

  // A closed stderr must not end this thread with an exception.
  static void say(const char* text) {
    try {
      fmt::print(stderr, "wf agent: {}\n", text);
    } catch (...) {
    }
  }

  std::atomic<bool>& stop_;
  std::atomic<bool>& cancel_;
  std::atomic<bool> finished_{false};
  sigset_t set_{}, previous_{};
  std::thread thread_;
};

int run_agent(const AgentCommandOptions& o) {
  if (o.server.empty()) {
    fmt::print(stderr, "wf: agent needs --server URL and --enroll SECRET (or a command: approve, rotate-secret)\n");
    return kExitUsage;
  }
  if (o.server.rfind("http://", 0) != 0 && o.server.rfind("https://", 0) != 0) {
    fmt::print(stderr, "wf: --server takes an http:// or https:// URL, got \"{}\"\n", o.server);
    return kExitUsage;
  }
  if (o.enroll.empty()) {
    fmt::print(stderr, "wf: --enroll takes the service's enrollment secret (DATA/enroll.secret)\n");
    return kExitUsage;
  }
  if (store::without_repeats(o.tags).size() > store::kMostTags) {
    fmt::print(stderr, "wf: a host has at most {} tags (--tag)\n", store::kMostTags);
    return kExitUsage;
  }
  // A job's output pipe or a dropped connection must not kill the agent; jobs get the default
  // disposition back from the executor.
  signal(SIGPIPE, SIG_IGN);

  agent::AgentOptions options;
  options.server = o.server;
  options.enroll_secret = o.enroll;
  options.hostname = o.hostname;
  options.state_dir = o.state;
  options.max_jobs = o.max_jobs;
  options.heartbeat_ms = o.heartbeat_ms;
  options.tags = store::without_repeats(o.tags);

  std::atomic<bool> stop{false}, cancel{false};
  std::string error;
  {
    StopSignals signals(stop, cancel);
    agent::Agent agent(options);
    error = agent.run(stop, &cancel);
  }
  if (!error.empty()) {
    fmt::print(stderr, "wf agent: {}\n", error);
    return kExitUsage;
  }
  fmt::print(stderr, "wf agent: stopped\n");
  return kExitOk;
}

}  // namespace

void register_agent_command(CLI::App& app) {
  auto o = std::make_shared<AgentCommandOptions>();
  CLI::App* cmd = app.add_subcommand("agent", "Run this host's jobs for a wf service");
  // Checked by run_agent rather than here: `wf agent approve HOST` and `wf agent rotate-secret`
  // take neither.
  cmd->add_option("--server", o->server, "The service's URL, e.g. http://127.0.0.1:7878");
  cmd->add_option("--enroll", o->enroll, "The enrollment secret (DATA/enroll.secret on the service)");
  cmd->add_option("--hostname", o->hostname, "The name to register under (default: this machine's name)");
  cmd->add_option("--state", o->state, "Folder for the registration and the job records")->capture_default_str();
  cmd->add_option("--max-jobs", o->max_jobs, "Jobs run at the same time")->check(CLI::Range(1, 100))->capture_default_str();
  cmd->add_option("--tag", o->tags, "A tag of this host, reported on every heartbeat (repeatable)")
      ->allow_extra_args(false)
      ->check(CLI::Validator(
          [](std::string& tag) { return store::valid_tag(tag) ? std::string() : fmt::format("a tag is {}", store::kTagRule); },
          "TAG"));
  cmd->add_option("--heartbeat-ms", o->heartbeat_ms, "How often the agent heartbeats")->check(CLI::Range(100, 60000))->capture_default_str();
  register_agent_admin_commands(cmd);
  cmd->callback([o, cmd] {
    if (!cmd->get_subcommands().empty()) return;  // an admin command ran instead
    const int code = run_agent(*o);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli

// `wf agent` (SPEC §4.2, docs/api.md "Jobs and agents"): enrolls its host with the service,
// heartbeats, long-polls for the host's jobs, runs each with the job executor while streaming its
// output, and reports every outcome exactly once, across restarts of the agent and of the service.
//
// Threads: run() polls on the calling thread; one thread heartbeats and resends stored reports;
// each job has a worker thread and an output-sending thread. No exception leaves any of them.
//
// State (STATE = Options::state_dir, mode 0700):
//   agent.json   the registration {agent_id, token, hostname, server}, mode 0600
//   started.log  the journal of the jobs this agent started (each made durable before the job
//                runs), their process groups, and which reports the service took; a job listed
//                there is never run again, and one not reported is reported at the next start
//   outbox/      completion reports written before they are sent, removed once acknowledged
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "runtime/agent/agent_log.h"

namespace wf::agent {

struct AgentOptions {
  std::string server;         // the service's base URL, e.g. "http://127.0.0.1:7878"
  std::string enroll_secret;  // the organization's enrollment secret (DATA/enroll.secret)
  std::string hostname;       // empty: this machine's name
  std::string ip;             // empty: the first non-loopback IPv4 address, else 127.0.0.1
  std::string os;             // empty: uname's system name in lower case
  std::vector<std::string> tags;  // the host's tags as this agent reports them (store/host_tags.h)
  std::string state_dir = "wf-agent-state";
  int max_jobs = 4;           // jobs run at the same time
  // How long the service may hold a poll open. Short enough that a stopping agent, which lets
  // its open poll return rather than abandon jobs the service may be handing it, stops within
  // seconds; a new job still reaches it at once.
  int poll_wait_ms = 5000;
  int heartbeat_ms = 5000;
  LogSink log = log_to_stderr;
};

class Agent {
 public:
  explicit Agent(AgentOptions options);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Runs until `stop` becomes true or the agent cannot go on. On stop it polls no more, lets the
  // running jobs finish (raising `*cancel_jobs` cancels them through the executor), tries once
  // more to deliver stored reports and returns. Returns an empty string after a stop, else why
  // the agent could not go on (state folder unusable, enrollment refused). Call it once.
  std::string run(std::atomic<bool>& stop, const std::atomic<bool>* cancel_jobs = nullptr);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wf::agent

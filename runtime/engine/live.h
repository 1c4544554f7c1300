// The engine's in-memory records of jobs not yet ended, pending approvals and waiting agent
// long-polls (see engine.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "effects/approval_state.h"
#include "effects/records.h"
#include "runtime/engine/engine.h"
#include "runtime/store/rows.h"

namespace wf::engine {

// What a job's row says of its outcome, as the effect layer records it, and whether a failure of
// that kind may pass on a retry (a non-zero exit, a timeout, trouble on the host).
effects::JobOutcomeRecord job_outcome(const JobRow& j);
bool job_retryable(JobStatus status);
// A job handed out that never reached its agent goes back to the queue.
void return_to_queue(JobRow& j);

struct Engine::LiveJob {
  JobRow row;
  bool released = false;  // committed and handed to the queue
  int64_t timeout_ms = 300000;
  // On the monotonic clock: when it may run (its scheduled time), and when it was last handed to
  // an agent or started — what the stale-job sweep measures from.
  int64_t due_mono = 0, since_mono = 0;
  std::string live_stdout, live_stderr;  // output streamed so far (capped)
};

// Jobs handed to one waiting poll, answered once the unit that hands them out has committed.
struct Engine::HandOut {
  PollAnswer answer;
  nlohmann::json specs = nlohmann::json::array();
  std::vector<int64_t> ids;
};

struct Engine::Approval {
  ApprovalRow row;
  std::unique_ptr<effects::ApprovalState> state;
};

struct Engine::Poller {
  QueueKey queue;  // its organization and host
  int64_t agent_id = 0;
  size_t max = 1;
  Engine::PollAnswer answer;
};

}  // namespace wf::engine

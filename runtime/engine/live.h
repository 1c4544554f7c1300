// The engine's in-memory records of jobs not yet ended, pending approvals and waiting agent
// long-polls (see engine.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "effects/approval_state.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/rows.h"

namespace wf::engine {

struct Engine::LiveJob {
  JobRow row;
  bool released = false;  // committed and handed to the queue
  int64_t timeout_ms = 300000;
  std::string live_stdout, live_stderr;  // output streamed so far (capped)
};

struct Engine::Approval {
  ApprovalRow row;
  std::unique_ptr<effects::ApprovalState> state;
};

struct Engine::Poller {
  std::string host;
  int64_t agent_id = 0;
  size_t max = 1;
  std::function<void(const nlohmann::json&)> answer;
};

}  // namespace wf::engine

// When each agent was last heard from (its heartbeat), on the monotonic clock: whether an agent
// is online is a duration, which a step of the wall clock must not change — an hour forward
// would show every agent offline, an hour back a dead one online for an hour. The store keeps
// the wall-clock time of the last heartbeat; until an agent is heard from after a start, that is
// all there is.
#pragma once

#include <cstdint>
#include <map>

#include "runtime/store/agents.h"

namespace wf::service {

// Threading: the loop thread only.
class AgentLiveness {
 public:
  void heard(int64_t agent, int64_t monotonic_ms) { heard_[agent] = monotonic_ms; }
  // The row's last heartbeat as the wall clock reads now: `wall_now` less how long ago it was on
  // the monotonic clock.
  void correct(store::AgentRow& row, int64_t wall_now, int64_t monotonic_now) const {
    auto it = heard_.find(row.id);
    if (it != heard_.end()) row.last_heartbeat = wall_now - (monotonic_now - it->second);
  }

 private:
  std::map<int64_t, int64_t> heard_;  // agent → monotonic time of its last heartbeat
};

}  // namespace wf::service

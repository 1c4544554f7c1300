// A job's process group that may have outlived the agent that started it. Jobs run in process
// groups of their own (jobs/executor.h), so a `kill -9` of the agent leaves them running; the
// agent's next start finds them through the journal and ends them before it reports the job, so
// that a retry never runs beside the old process. A process is recognised by its pid and its start
// time (field 22 of /proc/PID/stat), which a recycled pid does not share.
#pragma once

#include <cstdint>
#include <optional>

namespace wf::agent {

struct ProcessMark {
  int pid = 0;               // the group's leader, whose pid is the group id
  uint64_t start_ticks = 0;  // when it started, in clock ticks since boot
};

// The mark of the live process `pid`, or nullopt when there is none (or /proc cannot tell).
std::optional<ProcessMark> mark_of(int pid);

// Kills (SIGKILL) the process group `group` when its leader is still the process that was marked,
// or when the leader is gone (a group id cannot be reused while any member lives). True when a
// signal was delivered to some process.
bool kill_leftover_group(const ProcessMark& group);

}  // namespace wf::agent

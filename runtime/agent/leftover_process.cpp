// Finding and ending a job's processes left by an agent that died (see leftover_process.h).
#include "runtime/agent/leftover_process.h"

#include <signal.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

namespace wf::agent {

std::optional<ProcessMark> mark_of(int pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return std::nullopt;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are counted
  // from the last ')'. The start time is field 22, the 20th after it.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 0; i < 19; ++i)
    if (!(fields >> field)) return std::nullopt;
  uint64_t ticks = 0;
  if (!(fields >> ticks)) return std::nullopt;
  return ProcessMark{pid, ticks};
}

bool kill_leftover_group(const ProcessMark& group) {
  if (group.pid <= 1) return false;
  if (const auto now = mark_of(group.pid); now && now->start_ticks != group.start_ticks)
    return false;  // the pid belongs to someone else now
  return ::kill(-group.pid, SIGKILL) == 0;
}

}  // namespace wf::agent

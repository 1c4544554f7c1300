// The default log sink and the serializing logger (see agent_log.h).
#include "runtime/agent/agent_log.h"

#include <fmt/format.h>

namespace wf::agent {

void log_to_stderr(std::string_view line) { fmt::print(stderr, "wf agent: {}\n", line); }

void Logger::operator()(std::string_view line) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!sink_) return;
  try {
    sink_(line);
  } catch (...) {
    // Logging must never take a job or a thread down with it.
  }
}

}  // namespace wf::agent

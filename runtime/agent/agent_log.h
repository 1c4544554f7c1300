// Where the agent's one-line messages go: stderr in `wf agent`, a recorder in tests.
#pragma once

#include <functional>
#include <mutex>
#include <string_view>
#include <utility>

namespace wf::agent {

// Receives one line without its newline.
using LogSink = std::function<void(std::string_view line)>;

// Writes "wf agent: <line>" to stderr.
void log_to_stderr(std::string_view line);

// Hands lines to a sink from any number of threads, one at a time, so lines never interleave and
// the sink need not be thread-safe. A sink that throws loses that line and nothing else.
class Logger {
 public:
  explicit Logger(LogSink sink) : sink_(std::move(sink)) {}
  void operator()(std::string_view line) const;

 private:
  LogSink sink_;
  mutable std::mutex mutex_;
};

}  // namespace wf::agent

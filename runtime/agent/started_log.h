// STATE/started.log: the ids of every job this agent has started, one per line, each written
// before the job's process is created and flushed to the disk while it starts. A job id found
// here is never run again, which is what makes a job's side effect happen at most once across
// restarts of the agent and service. (Until the flush returns, a crash of the host could lose the
// line; the job's start is committed on the service by then, which never hands a started job out
// again.)
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_set>

namespace wf::agent {

class StartedLog {
 public:
  explicit StartedLog(std::string path) : path_(std::move(path)) {}

  // Reads the ids recorded so far. A last line without its newline was being written when the
  // agent stopped, before its job could run: it is cut off the file. Returns an empty string or
  // why the log cannot be used.
  std::string load();

  bool contains(int64_t job_id) const;

  // Appends `job_id` and flushes it to the disk. Returns an empty string or why it failed, in
  // which case the job must not run: its start could not be made durable.
  std::string record(int64_t job_id);

  // record() in two halves: `write` appends `job_id` (from then on it survives a crash of the
  // agent, and contains() is true; an error means the job must not run), `flush` makes every
  // line written so far survive a crash of the host.
  std::string write(int64_t job_id);
  std::string flush();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  mutable std::mutex mutex_;
  std::unordered_set<int64_t> ids_;
};

}  // namespace wf::agent

// STATE/started.log: the journal of the jobs this agent has started, one line per fact:
//   "<id>"                   the job is about to start (written before its process exists, and
//                            flushed to the disk while it starts)
//   "<id> group <pgid> <t>"  its process group, and the leader's start time (to recognise it),
//                            flushed with the line above
//   "<id> reported"          the service took its report (or refused it for good), flushed
//   "journal 2"              the first line of this form; the ids an older agent wrote before it
//                            (ids alone) count as reported, their fate being unknown
// A job id found here is never run again, which is what makes a job's side effect happen at most
// once across restarts of the agent and service. A job started but not reported was running (or
// its report was not yet taken) when the agent last stopped: the next start reports it. (Until
// the flush of a start returns, a crash of the host could lose its line; the job's start is
// committed on the service by then, which never hands a started job out again.)
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "runtime/agent/leftover_process.h"

namespace wf::agent {

class StartedLog {
 public:
  explicit StartedLog(std::string path) : path_(std::move(path)) {}

  // Reads the journal. A last line without its newline was being written when the agent stopped
  // (before its job could run, if it was a start): it is cut off the file. Lines this version
  // does not know are skipped. Returns an empty string or why the log cannot be used.
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

  // Appends where the job's processes are (to the disk with the next flush). Returns an empty
  // string or why not.
  std::string record_group(int64_t job_id, const ProcessMark& group);

  // Appends that the job's report is with the service, once (not flushed: see started_log.cpp);
  // nothing for a job never started here or already marked. Returns an empty string or why not.
  std::string record_reported(int64_t job_id);

  // The jobs started and not reported, lowest id first.
  std::vector<int64_t> unfinished() const;
  // The process group recorded for a job, if any.
  std::optional<ProcessMark> group_of(int64_t job_id) const;

  const std::string& path() const { return path_; }

 private:
  // Appends a line, after the format line when the file has none yet. The lock is held.
  std::string append(const std::string& line);

  std::string path_;
  mutable std::mutex mutex_;
  std::unordered_set<int64_t> ids_;
  std::set<int64_t> unfinished_;
  std::map<int64_t, ProcessMark> groups_;
  bool versioned_ = false;  // the file has its "journal 2" line
};

}  // namespace wf::agent

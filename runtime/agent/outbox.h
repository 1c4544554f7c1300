// STATE/outbox/: completion reports not yet acknowledged by the service, one file per job
// (<job id>.json holding the request body, a JSON object). A report is written and flushed here
// before it is sent (one fdatasync: a file a crash cut short is no JSON object, and reads as no
// report) and removed once the service has answered (not flushed: a report that comes back after
// a crash is sent again, and the service takes a repeated report as a no-op), so a report
// survives a server outage and an agent restart.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace wf::agent {

class Outbox {
 public:
  explicit Outbox(std::string dir) : dir_(std::move(dir)) {}

  // Creates the folder when missing and removes temporaries left by a crash. Returns an empty
  // string or why the outbox cannot be used.
  std::string open();

  // Stores the report body for `job_id`, replacing an older one. Returns an empty string or why not.
  std::string store(int64_t job_id, const std::string& body);
  // The stored body, if there is a whole one.
  std::optional<std::string> load(int64_t job_id) const;
  // Forgets the report. Returns an empty string or why the file could not be removed.
  std::string remove(int64_t job_id);
  // The ids with a stored report, lowest first.
  std::vector<int64_t> pending() const;

  // Marks a report as being sent by the calling thread, so another thread does not send it at
  // the same time; false when someone else already has it. Every successful claim is released.
  bool claim(int64_t job_id);
  void release(int64_t job_id);

  const std::string& dir() const { return dir_; }

 private:
  std::string file_of(int64_t job_id) const;

  std::string dir_;
  mutable std::mutex mutex_;
  std::set<int64_t> claimed_;
};

}  // namespace wf::agent

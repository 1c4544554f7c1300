// The durable journal of started jobs (see started_log.h).
#include "runtime/agent/started_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <sstream>

#include "runtime/agent/durable_file.h"

namespace wf::agent {

namespace {

constexpr std::string_view kFormatLine = "journal 2";

bool parse_id(std::string_view text, int64_t& id) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::string StartedLog::load() {
  std::string text, error;
  bool missing = false;
  if (!read_whole_file(path_, text, error, &missing)) return missing ? std::string() : error;
  const size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (complete < text.size()) {
    // Drop the torn line: appending after it would glue two ids into a third.
    if (::truncate(path_.c_str(), static_cast<off_t>(complete)) != 0)
      return "cannot repair " + path_ + ": " + std::strerror(errno);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  std::istringstream lines(text.substr(0, complete));
  std::string line;
  while (std::getline(lines, line)) {
    if (line == kFormatLine) {
      // What came before was written by an agent that kept no "reported" lines.
      unfinished_.clear();
      groups_.clear();
      versioned_ = true;
      continue;
    }
    std::istringstream words(line);
    std::string first, what;
    int64_t id = 0;
    if (!(words >> first) || !parse_id(first, id)) continue;
    if (!(words >> what)) {
      ids_.insert(id);
      unfinished_.insert(id);
    } else if (what == "reported") {
      unfinished_.erase(id);
      groups_.erase(id);
    } else if (what == "group") {
      ProcessMark mark;
      if (words >> mark.pid >> mark.start_ticks) groups_[id] = mark;
    }
  }
  if (!versioned_ && complete > 0) {
    // A journal of an older agent: its jobs' reports cannot be told apart from its running jobs,
    // so none is reported again (as that agent did).
    unfinished_.clear();
    groups_.clear();
    std::string failure = append_line(path_, kFormatLine);
    if (failure.empty()) failure = flush_file(path_);
    if (!failure.empty()) return failure;
    versioned_ = true;
  }
  return {};
}

std::string StartedLog::append(const std::string& line) {
  if (versioned_) return append_line(path_, line);
  std::string error = append_line(path_, fmt::format("{}\n{}", kFormatLine, line));
  if (error.empty()) versioned_ = true;
  return error;
}

bool StartedLog::contains(int64_t job_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ids_.count(job_id) != 0;
}

std::string StartedLog::record(int64_t job_id) {
  if (std::string error = write(job_id); !error.empty()) return error;
  return flush();
}

std::string StartedLog::write(int64_t job_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string error = append(std::to_string(job_id));
  // Even a failed append may have reached the file, so the id counts as started either way.
  ids_.insert(job_id);
  unfinished_.insert(job_id);
  return error;
}

std::string StartedLog::record_group(int64_t job_id, const ProcessMark& group) {
  std::lock_guard<std::mutex> lock(mutex_);
  groups_[job_id] = group;
  return append(fmt::format("{} group {} {}", job_id, group.pid, group.start_ticks));
}

std::string StartedLog::record_reported(int64_t job_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (unfinished_.count(job_id) == 0) return {};
  // Not flushed: lost in a crash of the host, it makes the agent report the job again (a failure
  // "the agent restarted"), which the service, having its report, takes as a no-op.
  std::string error = append(fmt::format("{} reported", job_id));
  if (error.empty()) {
    unfinished_.erase(job_id);
    groups_.erase(job_id);
  }
  return error;
}

std::vector<int64_t> StartedLog::unfinished() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {unfinished_.begin(), unfinished_.end()};
}

std::optional<ProcessMark> StartedLog::group_of(int64_t job_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = groups_.find(job_id);
  if (it == groups_.end()) return std::nullopt;
  return it->second;
}

std::string StartedLog::flush() { return flush_file(path_); }

}  // namespace wf::agent

// The durable record of started jobs (see started_log.h).
#include "runtime/agent/started_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "runtime/agent/durable_file.h"

namespace wf::agent {

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
  size_t start = 0;
  while (start < complete) {
    const size_t end = text.find('\n', start);
    const std::string_view line(text.data() + start, end - start);
    int64_t id = 0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), id);
    if (ec == std::errc() && ptr == line.data() + line.size()) ids_.insert(id);
    start = end + 1;
  }
  return {};
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
  std::string error = append_line(path_, std::to_string(job_id));
  // Even a failed append may have reached the file, so the id counts as started either way.
  ids_.insert(job_id);
  return error;
}

std::string StartedLog::flush() { return flush_file(path_); }

}  // namespace wf::agent

// Crash-safe file writes for the agent's state (see durable_file.h).
#include "runtime/agent/durable_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace wf::agent {

namespace {

std::string errno_text(std::string_view what, const std::string& path) {
  return fmt::format("cannot {} {}: {}", what, path, std::strerror(errno));
}

std::string parent_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// A rename or unlink is durable only once the directory holding the name is flushed too.
std::string sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_text("open directory", dir);
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return rc == 0 ? std::string() : errno_text("flush directory", dir);
}

// Writes all of `data`, going on after short writes and interrupted calls.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::string make_private_directory(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  std::filesystem::create_directories(dir, ec);
  if (ec) return fmt::format("cannot create directory {}: {}", dir, ec.message());
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  if (ec) return fmt::format("cannot set the mode of {}: {}", dir, ec.message());
  return sync_directory(parent_of(dir));
}

std::string write_file_durably(const std::string& path, std::string_view content, unsigned mode) {
  // A random suffix keeps two writers of the same file (two threads) from sharing a temporary.
  std::random_device random;
  const std::string temporary = fmt::format("{}.tmp-{:08x}", path, random());
  if (std::string error = write_file_flushed(temporary, content, mode); !error.empty()) {
    ::unlink(temporary.c_str());
    return error;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string error = errno_text("rename a file to", path);
    ::unlink(temporary.c_str());
    return error;
  }
  return sync_directory(parent_of(path));
}

std::string write_file_flushed(const std::string& path, std::string_view content, unsigned mode) {
  // The umask may have taken bits the caller asked for; the mode is set exactly.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return errno_text("create", path);
  const bool ok = ::fchmod(fd, static_cast<mode_t>(mode)) == 0 && write_all(fd, content) && ::fdatasync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    errno = saved;
    return errno_text("write", path);
  }
  return {};
}

std::string append_line(const std::string& path, std::string_view line) {
  // Opened without O_CREAT first: only a line that creates the file needs its directory flushed.
  bool created = false;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    created = fd >= 0;
  }
  if (fd < 0) return errno_text("open", path);
  std::string text(line);
  text.push_back('\n');
  // A file just created is flushed now, with its name: a later flush_file finds it either way.
  const bool ok = write_all(fd, text) && (!created || ::fsync(fd) == 0);
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    errno = saved;
    return errno_text("append to", path);
  }
  return created ? sync_directory(parent_of(path)) : std::string();
}

std::string flush_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno_text("open", path);
  const bool ok = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    errno = saved;
    return errno_text("flush", path);
  }
  return {};
}

bool read_whole_file(const std::string& path, std::string& content, std::string& error, bool* missing) {
  if (missing) *missing = false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (missing) *missing = errno == ENOENT;
    error = errno_text("open", path);
    return false;
  }
  content.clear();
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno_text("read", path);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

std::string remove_file_durably(const std::string& path) {
  if (std::string error = remove_file(path); !error.empty()) return error;
  return sync_directory(parent_of(path));
}

std::string remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_text("remove", path);
  return {};
}

}  // namespace wf::agent

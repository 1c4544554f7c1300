// Private temporary script files: mkdtemp for the directory, O_EXCL for the file, both removed
// when the job is done.
#include "jobs/script_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace wf::jobs {
namespace {

std::string errno_text(int error) { return std::strerror(error); }

}  // namespace

ScriptFile::~ScriptFile() { remove(); }

std::string ScriptFile::give_to(uid_t uid, gid_t gid) {
  for (const std::string* p : {&dir_, &path_})
    if (::chown(p->c_str(), uid, gid) != 0) return fmt::format("cannot hand {} to uid {}: {}", *p, uid, std::strerror(errno));
  return "";
}

void ScriptFile::remove() {
  if (!path_.empty()) ::unlink(path_.c_str());
  if (!dir_.empty()) ::rmdir(dir_.c_str());
  path_.clear();
  dir_.clear();
}

std::string ScriptFile::create(std::string_view text, std::string_view extension) {
  remove();
  const char* tmpdir = std::getenv("TMPDIR");
  std::string base = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
  std::string pattern = base + "/wf-job-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {  // mkdtemp creates the directory with mode 0700
    return fmt::format("cannot create a temporary directory in `{}`: {}", base, errno_text(errno));
  }
  dir_ = buffer.data();

  std::string file = fmt::format("{}/script{}", dir_, extension);
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::string error = fmt::format("cannot create `{}`: {}", file, errno_text(errno));
    remove();
    return error;
  }
  path_ = file;

  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      std::string error = fmt::format("cannot write `{}`: {}", file, errno_text(errno));
      ::close(fd);
      remove();
      return error;
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (::close(fd) != 0) {
    std::string error = fmt::format("cannot write `{}`: {}", file, errno_text(errno));
    remove();
    return error;
  }
  return {};
}

}  // namespace wf::jobs

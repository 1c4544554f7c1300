// Looking an account up with getpwnam_r and getgrouplist (see os_user.h).
#include "jobs/os_user.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace wf::jobs {

std::optional<OsUser> find_os_user(const std::string& name, std::string& error) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  int rc = 0;
  while ((rc = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE && buffer.size() < (1u << 20))
    buffer.resize(buffer.size() * 2);
  if (rc != 0) {
    error = fmt::format("the user database cannot be read for `{}`: {}", name, std::strerror(rc));
    return std::nullopt;
  }
  if (!found) {
    error = fmt::format("user `{}` does not exist on this host", name);
    return std::nullopt;
  }
  OsUser user;
  user.name = entry.pw_name;
  user.home = entry.pw_dir ? entry.pw_dir : "/";
  user.shell = entry.pw_shell ? entry.pw_shell : "";
  user.uid = entry.pw_uid;
  user.gid = entry.pw_gid;
  int count = 32;
  user.groups.resize(static_cast<size_t>(count));
  while (::getgrouplist(user.name.c_str(), user.gid, user.groups.data(), &count) < 0) user.groups.resize(static_cast<size_t>(count));
  user.groups.resize(static_cast<size_t>(count));
  return user;
}

}  // namespace wf::jobs

// The operating-system account a job runs as (a vault identity of type `local_user`): its ids,
// supplementary groups and home, looked up in the host's user database before the job starts.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace wf::jobs {

struct OsUser {
  std::string name, home, shell;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary, the primary group included
};

// The account named `name`; nullopt with `error` when the host has none (or cannot say).
std::optional<OsUser> find_os_user(const std::string& name, std::string& error);

}  // namespace wf::jobs

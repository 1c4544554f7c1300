// The agent's registration, kept in STATE/agent.json (mode 0600) so a restarted agent keeps its
// id and token instead of enrolling again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace wf::agent {

struct Credentials {
  int64_t agent_id = 0;
  std::string token;
  std::string hostname;  // the name it registered under
  std::string server;    // the service that issued the token
};

// The stored registration, or nothing when the file is missing or unusable (`problem` then says
// why, and is empty for a file that simply does not exist yet).
std::optional<Credentials> load_credentials(const std::string& path, std::string& problem);

// Writes the registration atomically with mode 0600. Returns an empty string or why it failed.
std::string save_credentials(const std::string& path, const Credentials& credentials);

}  // namespace wf::agent

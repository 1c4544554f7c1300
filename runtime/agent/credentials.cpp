// Reading and writing STATE/agent.json (see credentials.h).
#include "runtime/agent/credentials.h"

#include <nlohmann/json.hpp>

#include "runtime/agent/durable_file.h"

namespace wf::agent {

std::optional<Credentials> load_credentials(const std::string& path, std::string& problem) {
  problem.clear();
  std::string text, error;
  bool missing = false;
  if (!read_whole_file(path, text, error, &missing)) {
    if (!missing) problem = error;
    return std::nullopt;
  }
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  const auto text_field = [&](const char* name) { return j.contains(name) && j[name].is_string() && !j[name].get<std::string>().empty(); };
  if (!j.is_object() || !j.contains("agent_id") || !j["agent_id"].is_number_integer() || !text_field("token") ||
      !text_field("hostname") || !text_field("server")) {
    problem = path + " is not a registration ({agent_id, token, hostname, server})";
    return std::nullopt;
  }
  Credentials c;
  c.agent_id = j["agent_id"].get<int64_t>();
  c.token = j["token"].get<std::string>();
  c.hostname = j["hostname"].get<std::string>();
  c.server = j["server"].get<std::string>();
  return c;
}

std::string save_credentials(const std::string& path, const Credentials& c) {
  const nlohmann::json j = {{"agent_id", c.agent_id}, {"token", c.token}, {"hostname", c.hostname}, {"server", c.server}};
  return write_file_durably(path, j.dump(2) + "\n", 0600);
}

}  // namespace wf::agent

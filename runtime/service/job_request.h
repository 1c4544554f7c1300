// What an ad-hoc job request says to run (SPEC §4.2): `command`, `argv` or `script`, its
// interpreter, timeout and priority, read into the agent's job spec. POST /jobs and a recurring
// job's schedule read it the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace wf::service {

struct JobRequest {
  nlohmann::json spec;  // the agent's form, without id
  std::string description;
  int64_t priority = 0;  // JobPriority's rank
  int64_t timeout_ms = 300000;
};

// Reads `body`'s job fields; nullopt with `error` (a 400's message) when they are wrong.
std::optional<JobRequest> read_job_request(const nlohmann::json& body, std::string& error);

}  // namespace wf::service

// The API's JSON view of each of the store's row types (docs/api.md): one function per row type,
// so a row reads the same in a list, a detail and an answer after a change.
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/store/agents.h"
#include "runtime/store/definitions.h"
#include "runtime/store/jobs.h"
#include "runtime/store/rows.h"
#include "runtime/store/vault.h"

namespace wf::service {

// A JSON text column as JSON: null when empty, the text itself when it does not parse.
nlohmann::json json_or_null(const std::string& text);
nlohmann::json time_json(std::optional<int64_t> ms);  // RFC 3339, or null

// An agent that heartbeat this recently is online (and its host cannot be taken over by a
// registration without its token or an admin's approval).
inline constexpr int64_t kOnlineWithinMs = 30000;

// The instance as lists show it (no variables, steps or result).
nlohmann::json instance_summary_json(const store::InstanceRow& r);
// The list form plus params, targets, result, error and parent (the detail adds steps and variables).
nlohmann::json instance_json(const store::InstanceRow& r);
// A timeline row with the jobs its effect ran.
nlohmann::json step_json(const store::StepRow& s, const std::vector<store::JobOfEffect>& jobs);
nlohmann::json log_json(const store::LogRow& l);
nlohmann::json job_json(const store::JobRow& j, bool with_output);
nlohmann::json approval_json(const store::ApprovalRow& a, const std::vector<store::ResponseRow>& responses);
nlohmann::json definition_json(const store::DefinitionRow& d);
nlohmann::json version_json(const store::VersionRow& v, std::optional<int64_t> published);
// An agent as `GET /agents` shows it, and as a host (`GET /hosts`).
nlohmann::json agent_json(const store::AgentRow& a, int64_t now);
// A host: `tags` is what a workflow sees (the operator's, then the agent's; store/host_tags.h),
// with `operator_tags` and `agent_tags` apart, and `groups` the groups that list it.
nlohmann::json host_json(const store::AgentRow& a, int64_t now, const std::vector<std::string>& groups);
// A tags column (a JSON list of strings) as a list; [] for anything else.
std::vector<std::string> tag_list(const std::string& column);
nlohmann::json group_json(const store::GroupRow& g);
// An identity without its secret.
nlohmann::json identity_json(const store::IdentityRow& r);
// An open (or closed) checkout session: identity, instance, opened, expires.
nlohmann::json session_json(const store::SessionInfo& s);

}  // namespace wf::service

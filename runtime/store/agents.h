// Organizations, agents (the registered hosts) and host groups (SPEC §4.2, §4.7):
// one mapping of each row type; every read of an organization's rows names it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/page.h"
#include "runtime/store/query.h"

namespace wf::store {

struct OrgRow {
  int64_t id = 0;
  std::string name, enrollment_secret;
};

struct AgentRow {
  int64_t id = 0, org_id = 0;
  std::string hostname, ip, os;
  int64_t registered_at = 0;
  std::optional<int64_t> last_heartbeat;
  std::optional<int64_t> reregistration_approved_at;  // an admin let it register again, unused yet
  // JSON lists of strings (host_tags.h): set by an operator, and reported by the agent.
  std::string tags = "[]", agent_tags = "[]";
};

struct GroupRow {
  std::string name;
  std::string hosts;  // JSON list of host names
};

}  // namespace wf::store

namespace wf::store::orgs {

Result<std::vector<OrgRow>> all(Database& db);
Result<std::optional<OrgRow>> find(Database& db, int64_t id);
Result<std::optional<OrgRow>> named(Database& db, std::string_view name);
// The next free organization id.
Result<int64_t> next_id(Database& db);
bool create(Database& db, const OrgRow& org, int64_t now, std::string& error);
// Replaces the organization's enrollment secret; registered agents keep their tokens.
bool set_enrollment_secret(Database& db, int64_t org, std::string_view secret, std::string& error);

}  // namespace wf::store::orgs

namespace wf::store::agents {

Result<Page<AgentRow>> list(Database& db, int64_t org, Paging page);
// The agent of a host of `org`.
Result<std::optional<AgentRow>> find(Database& db, int64_t org, std::string_view hostname);
// Registers (or re-registers) a host and gives it `token_hash` as its one token; its id. An
// approval to register again is used up.
bool enroll(Database& db, int64_t org, const AgentRow& agent, std::string_view token_hash, int64_t now, int64_t& id,
            std::string& error);
// A heartbeat; `agent_tags` (a JSON list) replaces the tags the agent reported before, when given.
bool heartbeat(Database& db, int64_t agent, int64_t now, const std::optional<std::string>& agent_tags, std::string& error);
// Replaces the tags an operator set on a host of `org` (a JSON list).
bool set_tags(Database& db, int64_t org, std::string_view hostname, std::string_view tags, std::string& error);
// An admin lets the host `hostname` of `org` register again while its agent is live.
bool approve_reregistration(Database& db, int64_t org, std::string_view hostname, int64_t now, std::string& error);

}  // namespace wf::store::agents

namespace wf::store::groups {

Result<Page<GroupRow>> list(Database& db, int64_t org, Paging page);
Result<std::optional<GroupRow>> find(Database& db, int64_t org, std::string_view name);
bool put(Database& db, int64_t org, const GroupRow& group, std::string& error);
// The names of the groups of `org` that list `hostname`, in name order.
Result<std::vector<std::string>> of_host(Database& db, int64_t org, std::string_view hostname);
// Every host named by a group of `org`, with the names of its groups in name order.
Result<std::map<std::string, std::vector<std::string>>> by_host(Database& db, int64_t org);

}  // namespace wf::store::groups

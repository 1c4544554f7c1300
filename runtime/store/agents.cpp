// Organizations, agents and groups: statements and row mappings (see agents.h).
#include "runtime/store/agents.h"

#include "runtime/store/identities.h"

namespace wf::store {

namespace {

constexpr const char* kAgentColumns = "id, org_id, hostname, ip, os, registered_at, last_heartbeat, reregistration_approved_at, tags, agent_tags";

// The one mapping of an agent row, from a statement selecting kAgentColumns.
bool read_agent(const Statement& s, AgentRow& a, std::string&) {
  a.id = s.column_int64(0);
  a.org_id = s.column_int64(1);
  a.hostname = s.column_text(2);
  a.ip = s.column_text(3);
  a.os = s.column_text(4);
  a.registered_at = s.column_int64(5);
  a.last_heartbeat = optional_int(s, 6);
  a.reregistration_approved_at = optional_int(s, 7);
  a.tags = s.column_text(8);
  a.agent_tags = s.column_text(9);
  return true;
}

bool read_org(const Statement& s, OrgRow& o, std::string&) {
  o = {s.column_int64(0), s.column_text(1), s.column_text(2)};
  return true;
}

bool read_group(const Statement& s, GroupRow& g, std::string&) {
  g.name = s.column_text(0);
  g.hosts = s.column_text(1);
  return true;
}

}  // namespace

namespace orgs {

Result<std::vector<OrgRow>> all(Database& db) {
  Query q(db, "SELECT id, name, enrollment_secret FROM orgs ORDER BY id");
  return read_rows<OrgRow>(q, read_org);
}

Result<std::optional<OrgRow>> find(Database& db, int64_t id) {
  Query q(db, "SELECT id, name, enrollment_secret FROM orgs WHERE id = ?1");
  q->bind(1, id);
  return read_row<OrgRow>(q, read_org);
}

Result<std::optional<OrgRow>> named(Database& db, std::string_view name) {
  Query q(db, "SELECT id, name, enrollment_secret FROM orgs WHERE name = ?1");
  q->bind(1, name);
  return read_row<OrgRow>(q, read_org);
}

Result<int64_t> next_id(Database& db) { return read_int(db, "SELECT COALESCE(MAX(id), 0) + 1 FROM orgs"); }

bool create(Database& db, const OrgRow& org, int64_t now, std::string& error) {
  Query q(db, "INSERT INTO orgs (id, name, enrollment_secret, created_at) VALUES (?1, ?2, ?3, ?4)");
  q->bind(1, org.id).bind(2, std::string_view(org.name)).bind(3, std::string_view(org.enrollment_secret)).bind(4, now);
  return run(*q, error);
}

bool set_enrollment_secret(Database& db, int64_t org, std::string_view secret, std::string& error) {
  Query q(db, "UPDATE orgs SET enrollment_secret = ?2 WHERE id = ?1");
  q->bind(1, org).bind(2, secret);
  return run(*q, error);
}

}  // namespace orgs

namespace agents {

Result<Page<AgentRow>> list(Database& db, int64_t org, Paging page) {
  Query q(db, std::string("SELECT ") + kAgentColumns + " FROM agents WHERE org_id = ?1 ORDER BY hostname LIMIT ?2 OFFSET ?3");
  q->bind(1, org).bind(2, page.limit).bind(3, page.skip);
  Query count(db, "SELECT COUNT(*) FROM agents WHERE org_id = ?1");
  count->bind(1, org);
  return read_page<AgentRow>(q, count, read_agent);
}

Result<std::optional<AgentRow>> find(Database& db, int64_t org, std::string_view hostname) {
  Query q(db, std::string("SELECT ") + kAgentColumns + " FROM agents WHERE org_id = ?1 AND hostname = ?2");
  q->bind(1, org).bind(2, hostname);
  return read_row<AgentRow>(q, read_agent);
}

bool enroll(Database& db, int64_t org, const AgentRow& a, std::string_view token_hash, int64_t now, int64_t& id,
            std::string& error) {
  {
    Query up(db,
             "INSERT INTO agents (org_id, hostname, ip, os, registered_at, last_heartbeat, agent_tags) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6) "
             "ON CONFLICT (org_id, hostname) DO UPDATE SET ip = excluded.ip, os = excluded.os, "
             "registered_at = excluded.registered_at, last_heartbeat = excluded.last_heartbeat, "
             "reregistration_approved_at = NULL, agent_tags = excluded.agent_tags");
    up->bind(1, org).bind(2, std::string_view(a.hostname)).bind(3, std::string_view(a.ip)).bind(4, std::string_view(a.os)).bind(5, now);
    up->bind(6, std::string_view(a.agent_tags));
    if (!run(*up, error)) return false;
  }
  auto found = find(db, org, a.hostname);
  if (!found.ok()) return error = found.error(), false;
  if (!*found) return error = "the agent's row is missing after its registration", false;
  id = (*found)->id;
  return tokens::replace_agent(db, org, token_hash, id, now, error);
}

bool heartbeat(Database& db, int64_t agent, int64_t now, const std::optional<std::string>& agent_tags, std::string& error) {
  Query q(db, "UPDATE agents SET last_heartbeat = ?2, agent_tags = COALESCE(?3, agent_tags) WHERE id = ?1");
  q->bind(1, agent).bind(2, now);
  if (agent_tags) q->bind(3, std::string_view(*agent_tags));
  else q->bind_null(3);
  return run(*q, error);
}

bool set_tags(Database& db, int64_t org, std::string_view hostname, std::string_view tags, std::string& error) {
  Query q(db, "UPDATE agents SET tags = ?3 WHERE org_id = ?1 AND hostname = ?2");
  q->bind(1, org).bind(2, hostname).bind(3, tags);
  return run(*q, error);
}

bool approve_reregistration(Database& db, int64_t org, std::string_view hostname, int64_t now, std::string& error) {
  Query q(db, "UPDATE agents SET reregistration_approved_at = ?3 WHERE org_id = ?1 AND hostname = ?2");
  q->bind(1, org).bind(2, hostname).bind(3, now);
  return run(*q, error);
}

}  // namespace agents

namespace groups {

Result<Page<GroupRow>> list(Database& db, int64_t org, Paging page) {
  Query q(db, "SELECT name, hosts FROM groups WHERE org_id = ?1 ORDER BY name LIMIT ?2 OFFSET ?3");
  q->bind(1, org).bind(2, page.limit).bind(3, page.skip);
  Query count(db, "SELECT COUNT(*) FROM groups WHERE org_id = ?1");
  count->bind(1, org);
  return read_page<GroupRow>(q, count, read_group);
}

Result<std::optional<GroupRow>> find(Database& db, int64_t org, std::string_view name) {
  Query q(db, "SELECT name, hosts FROM groups WHERE org_id = ?1 AND name = ?2");
  q->bind(1, org).bind(2, name);
  return read_row<GroupRow>(q, read_group);
}

bool put(Database& db, int64_t org, const GroupRow& g, std::string& error) {
  Query q(db, "INSERT INTO groups (org_id, name, hosts) VALUES (?1, ?2, ?3) ON CONFLICT (org_id, name) DO UPDATE SET hosts = excluded.hosts");
  q->bind(1, org).bind(2, std::string_view(g.name)).bind(3, std::string_view(g.hosts));
  return run(*q, error);
}

Result<std::vector<std::string>> of_host(Database& db, int64_t org, std::string_view hostname) {
  Query q(db,
          "SELECT DISTINCT g.name FROM groups g, json_each(g.hosts) m WHERE g.org_id = ?1 AND json_valid(g.hosts) "
          "AND m.value = ?2 ORDER BY g.name");
  q->bind(1, org).bind(2, hostname);
  return read_rows<std::string>(q, [](const Statement& s, std::string& name, std::string&) {
    name = s.column_text(0);
    return true;
  });
}

Result<std::map<std::string, std::vector<std::string>>> by_host(Database& db, int64_t org) {
  Query q(db,
          "SELECT DISTINCT m.value, g.name FROM groups g, json_each(g.hosts) m WHERE g.org_id = ?1 AND json_valid(g.hosts) "
          "AND m.type = 'text' ORDER BY m.value, g.name");
  q->bind(1, org);
  struct Membership {
    std::string host, group;
  };
  auto rows = read_rows<Membership>(q, [](const Statement& s, Membership& m, std::string&) {
    m = {s.column_text(0), s.column_text(1)};
    return true;
  });
  if (!rows.ok()) return Result<std::map<std::string, std::vector<std::string>>>::failure(rows.error());
  std::map<std::string, std::vector<std::string>> out;
  for (const Membership& m : *rows) out[m.host].push_back(m.group);
  return out;
}

}  // namespace groups

}  // namespace wf::store

// Users, roles, grants and tokens: statements and row mappings (see identities.h).
#include "runtime/store/identities.h"

#include <algorithm>

namespace wf::store {

namespace {

// The user's columns and its grants' names, joined by the unit separator (0x1f), which no role
// name holds (the service refuses control characters in names).
constexpr const char* kUserColumns =
    "u.id, u.org_id, u.name, u.display_name, u.email, u.disabled, u.created_at, "
    "(SELECT group_concat(g.role, char(31)) FROM role_grants g WHERE g.user_id = u.id)";

std::vector<std::string> split_roles(const std::string& joined) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < joined.size()) {
    size_t j = joined.find('\x1f', i);
    if (j == std::string::npos) j = joined.size();
    out.push_back(joined.substr(i, j - i));
    i = j + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The one mapping of a user row, from kUserColumns at `at`.
void read_user(const Statement& s, int at, UserRow& u) {
  u.id = s.column_int64(at);
  u.org_id = s.column_int64(at + 1);
  u.name = s.column_text(at + 2);
  u.display_name = s.column_text(at + 3);
  u.email = s.column_text(at + 4);
  u.disabled = s.column_int64(at + 5) != 0;
  u.created_at = s.column_int64(at + 6);
  u.roles = split_roles(s.column_text(at + 7));
}

bool read_role(const Statement& s, RoleRow& r, std::string&) {
  r = {s.column_int64(0), s.column_int64(1), s.column_text(2), s.column_text(3), s.column_text(4), s.column_int64(5)};
  return true;
}

constexpr const char* kTokenColumns =
    "t.id, t.kind, t.org_id, t.hash, t.user_id, COALESCE(u.name, ''), COALESCE(t.agent_id, 0), COALESCE(a.hostname, ''), "
    "t.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at";
constexpr const char* kTokenJoins = " FROM tokens t LEFT JOIN users u ON u.id = t.user_id LEFT JOIN agents a ON a.id = t.agent_id ";

// The one mapping of a token row, from kTokenColumns.
bool read_token(const Statement& s, TokenRow& t, std::string&) {
  t.id = s.column_int64(0);
  t.kind = s.column_text(1);
  t.org_id = s.column_int64(2);
  t.hash = s.column_text(3);
  t.user_id = optional_int(s, 4);
  t.user_name = s.column_text(5);
  t.agent_id = s.column_int64(6);
  t.agent_host = s.column_text(7);
  t.name = s.column_text(8);
  t.created_at = s.column_int64(9);
  t.expires_at = optional_int(s, 10);
  t.last_used_at = optional_int(s, 11);
  t.revoked_at = optional_int(s, 12);
  return true;
}

// The token `q` found (kTokenColumns, then kUserColumns), with its user.
Result<std::optional<TokenHolder>> holder(Query& q) {
  using Answer = Result<std::optional<TokenHolder>>;
  auto found = read_row<TokenHolder>(q, [](const Statement& s, TokenHolder& h, std::string& error) {
    if (!read_token(s, h.token, error)) return false;
    if (s.column_is_null(13)) return true;
    h.user.emplace();
    read_user(s, 13, *h.user);
    return true;
  });
  if (!found.ok()) return Answer::failure(found.error());
  return found;
}

}  // namespace

namespace users {

Result<std::vector<UserRow>> list(Database& db, int64_t org) {
  Query q(db, std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.org_id = ?1 ORDER BY u.name");
  q->bind(1, org);
  return read_rows<UserRow>(q, [](const Statement& s, UserRow& u, std::string&) {
    read_user(s, 0, u);
    return true;
  });
}

Result<std::optional<UserRow>> find(Database& db, int64_t org, std::string_view name) {
  Query q(db, std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.org_id = ?1 AND u.name = ?2");
  q->bind(1, org).bind(2, name);
  return read_row<UserRow>(q, [](const Statement& s, UserRow& u, std::string&) {
    read_user(s, 0, u);
    return true;
  });
}

bool add(Database& db, const UserRow& user, int64_t& id, std::string& error) {
  {
    Query q(db,
            "INSERT INTO users (org_id, name, display_name, email, disabled, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    q->bind(1, user.org_id).bind(2, std::string_view(user.name)).bind(3, std::string_view(user.display_name));
    q->bind(4, std::string_view(user.email)).bind(5, int64_t{user.disabled}).bind(6, user.created_at);
    if (!run(*q, error)) return false;
  }
  id = db.last_insert_rowid();
  for (const std::string& role : user.roles)
    if (!roles::grant(db, id, role, user.created_at, error)) return false;
  return true;
}

bool update(Database& db, const UserRow& user, std::string& error) {
  Query q(db, "UPDATE users SET display_name = ?2, email = ?3, disabled = ?4 WHERE id = ?1");
  q->bind(1, user.id).bind(2, std::string_view(user.display_name)).bind(3, std::string_view(user.email));
  q->bind(4, int64_t{user.disabled});
  return run(*q, error);
}

Result<std::vector<std::string>> holding(Database& db, int64_t org, std::string_view role) {
  Query q(db,
          "SELECT u.name FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.org_id = ?1 AND g.role = ?2 AND u.disabled = 0 "
          "ORDER BY u.name");
  q->bind(1, org).bind(2, role);
  return read_rows<std::string>(q, [](const Statement& s, std::string& name, std::string&) {
    name = s.column_text(0);
    return true;
  });
}

}  // namespace users

namespace roles {

Result<std::vector<RoleRow>> list(Database& db, int64_t org) {
  Query q(db, "SELECT id, org_id, name, description, permissions, created_at FROM roles WHERE org_id = ?1 ORDER BY name");
  q->bind(1, org);
  return read_rows<RoleRow>(q, read_role);
}

Result<std::optional<RoleRow>> find(Database& db, int64_t org, std::string_view name) {
  Query q(db, "SELECT id, org_id, name, description, permissions, created_at FROM roles WHERE org_id = ?1 AND name = ?2");
  q->bind(1, org).bind(2, name);
  return read_row<RoleRow>(q, read_role);
}

bool put(Database& db, const RoleRow& role, std::string& error) {
  Query q(db,
          "INSERT INTO roles (org_id, name, description, permissions, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
          "ON CONFLICT (org_id, name) DO UPDATE SET description = excluded.description, permissions = excluded.permissions");
  q->bind(1, role.org_id).bind(2, std::string_view(role.name)).bind(3, std::string_view(role.description));
  q->bind(4, std::string_view(role.permissions)).bind(5, role.created_at);
  return run(*q, error);
}

bool remove(Database& db, int64_t org, std::string_view name, std::string& error) {
  {
    Query q(db, "DELETE FROM role_grants WHERE role = ?2 AND user_id IN (SELECT id FROM users WHERE org_id = ?1)");
    q->bind(1, org).bind(2, name);
    if (!run(*q, error)) return false;
  }
  Query q(db, "DELETE FROM roles WHERE org_id = ?1 AND name = ?2");
  q->bind(1, org).bind(2, name);
  return run(*q, error);
}

bool grant(Database& db, int64_t user, std::string_view role, int64_t now, std::string& error) {
  Query q(db, "INSERT INTO role_grants (user_id, role, granted_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
  q->bind(1, user).bind(2, role).bind(3, now);
  return run(*q, error);
}

bool revoke(Database& db, int64_t user, std::string_view role, std::string& error) {
  Query q(db, "DELETE FROM role_grants WHERE user_id = ?1 AND role = ?2");
  q->bind(1, user).bind(2, role);
  return run(*q, error);
}

Result<std::vector<std::string>> permissions_of(Database& db, int64_t org, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    auto role = find(db, org, name);
    if (!role.ok()) return Result<std::vector<std::string>>::failure(role.error());
    if (*role) out.push_back((*role)->permissions);
  }
  return out;
}

}  // namespace roles

namespace tokens {

Result<std::optional<TokenHolder>> holder_by_id(Database& db, int64_t id) {
  Query q(db, std::string("SELECT ") + kTokenColumns + ", " + kUserColumns + kTokenJoins + "WHERE t.id = ?1");
  q->bind(1, id);
  return holder(q);
}

Result<std::optional<TokenHolder>> holder_by_hash(Database& db, std::string_view hash) {
  Query q(db, std::string("SELECT ") + kTokenColumns + ", " + kUserColumns + kTokenJoins + "WHERE t.hash = ?1");
  q->bind(1, hash);
  return holder(q);
}

bool add_user(Database& db, const TokenRow& t, int64_t& id, std::string& error) {
  Query q(db,
          "INSERT INTO tokens (org_id, kind, hash, user_id, name, created_at, expires_at) "
          "VALUES (?1, 'user', ?2, ?3, ?4, ?5, ?6)");
  q->bind(1, t.org_id).bind(2, std::string_view(t.hash));
  bind_optional(*q, 3, t.user_id);
  q->bind(4, std::string_view(t.name)).bind(5, t.created_at);
  bind_optional(*q, 6, t.expires_at);
  if (!run(*q, error)) return false;
  id = db.last_insert_rowid();
  return true;
}

bool replace_agent(Database& db, int64_t org, std::string_view hash, int64_t agent, int64_t now, std::string& error) {
  {
    Query del(db, "DELETE FROM tokens WHERE kind = 'agent' AND agent_id = ?1");
    del->bind(1, agent);
    if (!run(*del, error)) return false;
  }
  Query q(db, "INSERT INTO tokens (org_id, kind, hash, agent_id, created_at) VALUES (?1, 'agent', ?2, ?3, ?4)");
  q->bind(1, org).bind(2, hash).bind(3, agent).bind(4, now);
  return run(*q, error);
}

Result<std::vector<TokenRow>> list(Database& db, int64_t org, std::optional<int64_t> user) {
  Query q(db, std::string("SELECT ") + kTokenColumns + kTokenJoins +
                  "WHERE t.org_id = ?1 AND t.kind = 'user' AND (?2 IS NULL OR t.user_id = ?2) ORDER BY t.id DESC");
  q->bind(1, org);
  bind_optional(*q, 2, user);
  return read_rows<TokenRow>(q, read_token);
}

Result<std::optional<TokenRow>> find(Database& db, int64_t org, int64_t id) {
  Query q(db, std::string("SELECT ") + kTokenColumns + kTokenJoins + "WHERE t.org_id = ?1 AND t.id = ?2 AND t.kind = 'user'");
  q->bind(1, org).bind(2, id);
  return read_row<TokenRow>(q, read_token);
}

bool revoke(Database& db, int64_t org, int64_t id, int64_t now, std::string& error) {
  Query q(db, "UPDATE tokens SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL");
  q->bind(1, org).bind(2, id).bind(3, now);
  return run(*q, error);
}

bool used(Database& db, int64_t id, int64_t now, std::string& error) {
  Query q(db, "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1");
  q->bind(1, id).bind(2, now);
  return run(*q, error);
}

}  // namespace tokens

}  // namespace wf::store

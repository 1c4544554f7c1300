// Users, custom roles with their grants, and tokens (SPEC §4.7): one mapping of each row type.
// Users and roles belong to one organization; a token acts as its user (or is an agent's). The
// permissions a role grants are names the service checks (runtime/service/permissions.h); the
// store keeps them as a JSON list and knows nothing of their meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/page.h"
#include "runtime/store/query.h"

namespace wf::store {

struct UserRow {
  int64_t id = 0, org_id = 0;
  std::string name, display_name, email;
  bool disabled = false;
  int64_t created_at = 0;
  std::vector<std::string> roles;  // the names of the roles granted, in name order
};

struct RoleRow {
  int64_t id = 0, org_id = 0;
  std::string name, description;
  std::string permissions = "[]";  // JSON list of permission names
  int64_t created_at = 0;
};

// A token, never with its secret: kind "user" or "agent"; a user's token names its user, an
// agent's its agent and host.
struct TokenRow {
  int64_t id = 0;
  std::string kind;
  int64_t org_id = 0;
  std::string hash;
  std::optional<int64_t> user_id;
  std::string user_name;
  int64_t agent_id = 0;
  std::string agent_host;
  std::string name;
  int64_t created_at = 0;
  std::optional<int64_t> expires_at, last_used_at, revoked_at;
};

// What authenticating a token needs in one read: the token and its user (with its roles' names).
struct TokenHolder {
  TokenRow token;
  std::optional<UserRow> user;
};

}  // namespace wf::store

namespace wf::store::users {

Result<std::vector<UserRow>> list(Database& db, int64_t org);
Result<std::optional<UserRow>> find(Database& db, int64_t org, std::string_view name);
// A new user of `org` and its grants; its id, or false (a taken name is a constraint error).
bool add(Database& db, const UserRow& user, int64_t& id, std::string& error);
// Display name, email and the disabled flag.
bool update(Database& db, const UserRow& user, std::string& error);
// The enabled users of `org` who hold `role`, in name order.
Result<std::vector<std::string>> holding(Database& db, int64_t org, std::string_view role);

}  // namespace wf::store::users

namespace wf::store::roles {

// The custom roles of `org`, in name order.
Result<std::vector<RoleRow>> list(Database& db, int64_t org);
Result<std::optional<RoleRow>> find(Database& db, int64_t org, std::string_view name);
bool put(Database& db, const RoleRow& role, std::string& error);
// Deletes a custom role and every grant of it.
bool remove(Database& db, int64_t org, std::string_view name, std::string& error);
bool grant(Database& db, int64_t user, std::string_view role, int64_t now, std::string& error);
bool revoke(Database& db, int64_t user, std::string_view role, std::string& error);
// The permissions (JSON lists) of the custom roles of `org` among `names`.
Result<std::vector<std::string>> permissions_of(Database& db, int64_t org, const std::vector<std::string>& names);

}  // namespace wf::store::roles

namespace wf::store::tokens {

// The token with id `id` and its user (authentication of `wft_<id>_<secret>`).
Result<std::optional<TokenHolder>> holder_by_id(Database& db, int64_t id);
// The token whose hash is `hash` (agents' tokens, and user tokens from before `wft_`).
Result<std::optional<TokenHolder>> holder_by_hash(Database& db, std::string_view hash);
// A user's new token; its id. `hash` is the hash of its secret.
bool add_user(Database& db, const TokenRow& token, int64_t& id, std::string& error);
// A registered agent's token, which replaces the agent's earlier ones.
bool replace_agent(Database& db, int64_t org, std::string_view hash, int64_t agent, int64_t now, std::string& error);
// The user tokens of `org` (`user`: of one user), newest first, revoked ones too.
Result<std::vector<TokenRow>> list(Database& db, int64_t org, std::optional<int64_t> user);
Result<std::optional<TokenRow>> find(Database& db, int64_t org, int64_t id);
bool revoke(Database& db, int64_t org, int64_t id, int64_t now, std::string& error);
bool used(Database& db, int64_t id, int64_t now, std::string& error);

}  // namespace wf::store::tokens

// Tokens (SPEC §4.7): made from libsodium's random bytes, stored only as the hash of their secret,
// and turned back into the Principal that holds them, with its permissions. A user's token is
// `wft_<id>_<secret>`: the id finds its row, the secret's hash is compared in constant time.
// Agents' tokens (`wfa_`) and the first start's token of an older version (`wf_`) are found by
// their hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "runtime/service/api_support.h"
#include "runtime/store/identities.h"

namespace wf::service {

// The permissions `user`'s roles grant (custom roles' read from the store).
store::Result<PermissionSet> user_permissions(store::Database& reader, const store::UserRow& user);

// A new secret token: `prefix` followed by 64 hex digits.
std::string new_token(std::string_view prefix);
// A new user token's secret (64 hex digits) and the token its user is shown once.
std::string new_secret();
std::string user_token(int64_t id, std::string_view secret);
// The hex BLAKE2b hash a token (or a user token's secret) is stored as.
std::string token_hash(std::string_view token);
// A new organization's first administrator: user `name` of `org` holding the role `admin`, with a
// token named `token_name` whose secret is `secret`; the token's id in `token_id`. Runs inside the
// caller's unit of the writer.
bool add_first_administrator(store::Database& db, int64_t org, const std::string& name, const std::string& token_name,
                             std::string_view secret, int64_t now, int64_t& token_id, std::string& error);
// Compares secrets in constant time.
bool same_secret(std::string_view a, std::string_view b);

// What a bearer token says: who holds it, or why it cannot be used.
struct Authentication {
  std::optional<Principal> who;
  std::string refused;  // when `who` is empty: "unknown token", "the token was revoked", ...
};
// The principals of tokens authenticated lately, so that a request reads nothing of the store.
// Every change to users, roles, tokens or agents' registrations empties it before it is answered
// (`forget_all`), so a revoked token, a disabled user or a changed role acts on the next request.
// It knows only this process's changes: a service of several nodes must empty it on each.
class PrincipalCache {
 public:
  struct Entry {
    Principal who;
    std::string hash;  // the stored hash: of a user token's secret, compared on each use
    std::optional<int64_t> expires_at;
  };
  const Entry* find(const std::string& key) const;
  void put(std::string key, Entry entry);
  void forget_all() { entries_.clear(); }

 private:
  std::unordered_map<std::string, Entry> entries_;
};

// Authenticates `bearer` at `now` (ms): its holder with the permissions of its roles, from
// `cache` when it is there (and into it when read from the store).
store::Result<Authentication> authenticate(store::Database& reader, std::string_view bearer, int64_t now,
                                           PrincipalCache* cache = nullptr);

// When users' tokens were last used. Kept in memory and written to the store in one unit a minute
// (and at stop; service.cpp), so that a request costs no write; `GET /tokens` shows the newer of
// the two.
class TokenUses {
 public:
  void used(int64_t id, int64_t now) { pending_[id] = now; }
  // The uses not yet written; clears them.
  std::unordered_map<int64_t, int64_t> take() { return std::exchange(pending_, {}); }
  // A use not yet written, if any.
  std::optional<int64_t> pending(int64_t id) const;

 private:
  std::unordered_map<int64_t, int64_t> pending_;
};

}  // namespace wf::service

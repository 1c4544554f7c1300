// Tokens and the principals behind them (see auth.h).
#include "runtime/service/auth.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "runtime/store/identities.h"

namespace wf::service {

namespace {

constexpr std::string_view kUserTokenPrefix = "wft_";
constexpr size_t kSecretHexDigits = 64;

std::string hex(const unsigned char* data, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

// `wft_<id>_<secret>` cut into its id and secret; nullopt when it is not of that shape.
std::optional<std::pair<int64_t, std::string_view>> user_token_parts(std::string_view token) {
  if (!token.starts_with(kUserTokenPrefix)) return std::nullopt;
  token.remove_prefix(kUserTokenPrefix.size());
  const size_t cut = token.find('_');
  if (cut == std::string_view::npos || cut == 0 || cut > 18) return std::nullopt;
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + cut, id);
  if (ec != std::errc() || end != token.data() + cut || id <= 0) return std::nullopt;
  const std::string_view secret = token.substr(cut + 1);
  if (secret.size() != kSecretHexDigits) return std::nullopt;
  return std::make_pair(id, secret);
}

// The permissions `user`'s roles grant; custom roles' read from the store.
store::Result<PermissionSet> permissions_of(store::Database& reader, const store::UserRow& user) {
  PermissionSet set;
  std::vector<std::string> custom;
  for (const std::string& role : user.roles) {
    if (const BuiltinRole* builtin = builtin_role(role)) set.add(builtin->permissions);
    else custom.push_back(role);
  }
  if (custom.empty()) return set;
  auto lists = store::roles::permissions_of(reader, user.org_id, custom);
  if (!lists.ok()) return store::Result<PermissionSet>::failure(lists.error());
  for (const std::string& list : *lists) {
    const std::optional<PermissionSet> granted = permissions_from_json(list);
    if (!granted) return store::Result<PermissionSet>::failure("a role's permissions in the store are not a JSON list");
    set.add(*granted);
  }
  return set;
}

Authentication refuse(std::string why) { return Authentication{std::nullopt, std::move(why)}; }

}  // namespace

store::Result<PermissionSet> user_permissions(store::Database& reader, const store::UserRow& user) { return permissions_of(reader, user); }

bool Principal::admin() const { return kind == Kind::User && std::binary_search(roles.begin(), roles.end(), kAdminRole); }

std::string Principal::actor() const {
  switch (kind) {
    case Kind::User: return user;
    case Kind::Agent: return "agent:" + agent_host;
    case Kind::Anonymous: break;
  }
  return "";
}

std::string new_token(std::string_view prefix) {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return std::string(prefix) + hex(bytes, sizeof bytes);
}

std::string new_secret() { return new_token(""); }

std::string user_token(int64_t id, std::string_view secret) { return fmt::format("{}{}_{}", kUserTokenPrefix, id, secret); }

std::string token_hash(std::string_view token) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  return hex(out, sizeof out);
}

bool add_first_administrator(store::Database& db, int64_t org, const std::string& name, const std::string& token_name,
                             std::string_view secret, int64_t now, int64_t& token_id, std::string& error) {
  store::UserRow admin;
  admin.org_id = org;
  admin.name = name;
  admin.display_name = "Administrator";
  admin.created_at = now;
  admin.roles = {std::string(kAdminRole)};
  int64_t user_id = 0;
  if (!store::users::add(db, admin, user_id, error)) return false;
  store::TokenRow token;
  token.org_id = org;
  token.user_id = user_id;
  token.name = token_name;
  token.hash = token_hash(secret);
  token.created_at = now;
  return store::tokens::add_user(db, token, token_id, error);
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

store::Result<Authentication> authenticate(store::Database& reader, std::string_view bearer, int64_t now, PrincipalCache* cache) {
  using Answer = store::Result<Authentication>;
  if (bearer.empty() || bearer.size() > 256) return refuse("unknown token");
  // A user token is found by its id and its secret's hash compared; any other by its whole hash.
  const auto parts = user_token_parts(bearer);
  if (!parts && bearer.starts_with(kUserTokenPrefix)) return refuse("unknown token");
  const std::string hash = token_hash(parts ? parts->second : bearer);
  const std::string key = parts ? fmt::format("id:{}", parts->first) : hash;
  // A found token's secret is compared in constant time; its expiry is checked on every use.
  const auto live = [&](const Principal& who, const std::string& stored, const std::optional<int64_t>& expires_at) {
    if (!same_secret(hash, stored)) return refuse("unknown token");
    if (expires_at && *expires_at <= now) return refuse("the token has expired");
    return Authentication{who, {}};
  };
  if (cache)
    if (const PrincipalCache::Entry* e = cache->find(key)) return live(e->who, e->hash, e->expires_at);
  auto found = parts ? store::tokens::holder_by_id(reader, parts->first) : store::tokens::holder_by_hash(reader, hash);
  if (!found.ok()) return Answer::failure(found.error());
  if (!*found) return refuse("unknown token");
  const store::TokenHolder& holder = **found;
  const store::TokenRow& t = holder.token;
  if (parts && t.kind != "user") return refuse("unknown token");
  if (!same_secret(hash, t.hash)) return refuse("unknown token");
  if (t.revoked_at) return refuse("the token was revoked");
  Principal p;
  p.org_id = t.org_id;
  p.token_id = t.id;
  if (t.kind == "agent") {
    p.kind = Principal::Kind::Agent;
    p.agent_id = t.agent_id;
    p.agent_host = t.agent_host;
  } else {
    if (!holder.user) return refuse("the token's user no longer exists");
    if (holder.user->disabled) return refuse("the token's user is disabled");
    auto permissions = permissions_of(reader, *holder.user);
    if (!permissions.ok()) return Answer::failure(permissions.error());
    p.kind = Principal::Kind::User;
    p.user_id = holder.user->id;
    p.user = holder.user->name;
    p.roles = holder.user->roles;
    p.permissions = *permissions;
  }
  if (cache) cache->put(key, {p, t.hash, t.expires_at});
  return live(p, t.hash, t.expires_at);
}

const PrincipalCache::Entry* PrincipalCache::find(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

void PrincipalCache::put(std::string key, Entry entry) {
  // Bounded: a service with more live tokens than this reads some from the store again.
  constexpr size_t kMostEntries = 10'000;
  if (entries_.size() >= kMostEntries) entries_.clear();
  entries_.insert_or_assign(std::move(key), std::move(entry));
}

std::optional<int64_t> TokenUses::pending(int64_t id) const {
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  return it->second;
}

}  // namespace wf::service

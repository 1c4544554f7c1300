// API tokens (SPEC §4.7): made for a user of the organization (the caller by default), shown once
// as `wft_<id>_<secret>` with only the secret's hash stored, with an optional expiry; listed
// without secrets, with their last use; revoked (the row is kept, and the next request with the
// token is refused).
#include <fmt/format.h>

#include "syntax/literals.h"
#include "runtime/service/auth.h"
#include "runtime/service/identity_checks.h"
#include "runtime/service/routes.h"

namespace wf::service {

namespace {

nlohmann::json optional_time(const std::optional<int64_t>& ms) { return ms ? nlohmann::json(format_time(*ms)) : nlohmann::json(nullptr); }

nlohmann::json token_json(const store::TokenRow& t, const TokenUses* uses) {
  std::optional<int64_t> last_used = t.last_used_at;
  if (uses)
    if (auto pending = uses->pending(t.id); pending && (!last_used || *pending > *last_used)) last_used = pending;
  return {{"id", t.id},
          {"name", t.name},
          {"user", t.user_name},
          {"created_at", format_time(t.created_at)},
          {"expires_at", optional_time(t.expires_at)},
          {"last_used_at", optional_time(last_used)},
          {"revoked_at", optional_time(t.revoked_at)}};
}

// The longest a token may be made to last: ten years.
constexpr int64_t kLongestTokenMs = int64_t{10} * 366 * 24 * 3600 * 1000;

// The token `{id}` of the caller's organization; nullopt after answering 404.
std::optional<store::TokenRow> existing_token(Context& c, int64_t org, http::Exchange& x, std::string_view key) {
  if (auto id = parse_id(key)) {
    auto token = store::tokens::find(c.reads->connection(), org, *id);
    if (!read_ok(x, token)) return std::nullopt;
    if (*token) return std::move(*token);
  }
  reply_error(x, 404, "not_found", fmt::format("no token {}", key));
  return std::nullopt;
}

}  // namespace

void list_tokens(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  std::optional<int64_t> user_id;
  if (auto name = r.query_param("user")) {
    auto user = existing_user(c, who.org_id, *x, *name, NamedIn::Body);
    if (!user) return;
    user_id = user->id;
  }
  auto tokens = store::tokens::list(c.reads->connection(), who.org_id, user_id);
  if (!read_ok(*x, tokens)) return;
  nlohmann::json items = nlohmann::json::array();
  for (const store::TokenRow& t : *tokens) items.push_back(token_json(t, c.token_uses));
  reply_items(*x, std::move(items));
}

void create_token(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto user_name = f.string("user");
  auto name = f.string("name");
  auto expires = f.string("expires");
  if (!f.ok(*x)) return;
  auto user = existing_user(c, who.org_id, *x, user_name.value_or(who.user), NamedIn::Body);
  if (!user) return;
  if (user->disabled) return reply_error(*x, 409, "conflict", fmt::format("user `{}` is disabled", user->name));
  if (name && name->size() > 200) return reply_error(*x, 400, "bad_request", "`name` must be at most 200 characters");
  store::TokenRow token;
  token.org_id = who.org_id;
  token.user_id = user->id;
  token.user_name = user->name;
  token.name = name.value_or("");
  token.created_at = effects::wall_clock_ms();
  if (expires) {
    const std::optional<int64_t> ms = decode_duration(*expires);
    if (!ms || *ms < 60'000 || *ms > kLongestTokenMs)
      return reply_error(*x, 400, "bad_request", fmt::format("`expires` must be a duration from 1m to 10 years, like 30d (got \"{}\")", *expires));
    token.expires_at = token.created_at + *ms;
  }
  const std::string secret = new_secret();
  token.hash = token_hash(secret);
  auto id = std::make_shared<int64_t>(0);
  c.writer->submit([token, id](store::Database& db, std::string& error) { return store::tokens::add_user(db, token, *id, error); },
                   reply_after_commit(x, 201, [token, id, secret]() mutable {
                     token.id = *id;
                     nlohmann::json out = token_json(token, nullptr);
                     out["token"] = user_token(*id, secret);
                     return out;
                   }));
}

void revoke_token(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto token = existing_token(c, who.org_id, *x, p["id"]);
  if (!token) return;
  if (token->revoked_at) return reply_json(*x, 200, token_json(*token, c.token_uses));
  const int64_t now = effects::wall_clock_ms();
  token->revoked_at = now;
  c.writer->submit([org = who.org_id, id = token->id, now](store::Database& db, std::string& error) { return store::tokens::revoke(db, org, id, now, error); },
                   reply_after_commit(x, 200, [row = *token, uses = c.token_uses] { return token_json(row, uses); }));
}

}  // namespace wf::service

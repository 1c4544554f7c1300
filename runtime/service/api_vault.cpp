// Vault identities (SPEC §4.7, §5 `vault/identities`): created with their secret, listed and
// read without it, deleted; and the one way a secret leaves the service — to the agent running
// a job `as` that identity, while the job runs and its checkout is open.
#include <fmt/format.h>

#include "effects/clock.h"
#include "runtime/service/routes.h"
#include "runtime/service/vault.h"

namespace wf::service {

namespace {

nlohmann::json identity_json(const store::Statement& q) {
  return {{"name", q.column_text(0)},
          {"username", q.column_text(1)},
          {"domain", q.column_text(2)},
          {"credential_type", q.column_text(3)},
          {"requires_approval", q.column_int64(4) != 0},
          {"rotate_after_use", q.column_int64(5) != 0},
          {"created_at", format_time(q.column_int64(6))}};
}

constexpr const char* kColumns = "name, username, domain, credential_type, requires_approval, rotate_after_use, created_at";

// The identity `{id}` names (its name) in the caller's organization, without its secret, in
// `identity`; nullopt, after answering 404, when there is none.
std::optional<std::string> identity_of(Context& c, const Principal& who, http::Exchange& x, std::string_view key, nlohmann::json& identity) {
  const std::string name(key);
  auto& q = c.reader->prepare(std::string("SELECT ") + kColumns + " FROM vault_identities WHERE org_id = ?1 AND name = ?2");
  q.bind(1, who.org_id).bind(2, std::string_view(name));
  identity = q.step() ? identity_json(q) : nlohmann::json();
  q.reset();
  if (identity.is_null()) {
    reply_error(x, 404, "not_found", fmt::format("no identity `{}`", name));
    return std::nullopt;
  }
  return name;
}

}  // namespace

std::optional<engine::IdentityInfo> find_identity(Context& c, int64_t org, const std::string& name) {
  auto& q = c.reader->prepare(
      "SELECT username, domain, credential_type, requires_approval, rotate_after_use FROM vault_identities "
      "WHERE org_id = ?1 AND name = ?2");
  q.bind(1, org).bind(2, std::string_view(name));
  std::optional<engine::IdentityInfo> out;
  if (q.step()) out = engine::IdentityInfo{q.column_text(0), q.column_text(1), q.column_text(2), q.column_int64(3) != 0, q.column_int64(4) != 0};
  q.reset();
  return out;
}

void list_identities(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  auto& q = c.reader->prepare(std::string("SELECT ") + kColumns +
                              " FROM vault_identities WHERE org_id = ?1 ORDER BY name LIMIT ?2 OFFSET ?3");
  q.bind(1, who.org_id).bind(2, limit).bind(3, skip);
  nlohmann::json items = nlohmann::json::array();
  while (q.step()) items.push_back(identity_json(q));
  q.reset();
  const int64_t total = count_rows(*c.reader, "SELECT COUNT(*) FROM vault_identities WHERE org_id = ?1", who.org_id);
  return reply_json(*x, 200, {{"items", items}, {"total", total}});
}

void create_identity(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto name = f.string("name", true);
  auto username = f.string("username", true);
  auto secret = f.string("secret", true);
  auto domain = f.string("domain");
  auto type = f.string("credential_type");
  auto approval = f.boolean("requires_approval");
  auto rotate = f.boolean("rotate_after_use");
  if (!f.ok(*x)) return;
  if (name->empty() || name->size() > 200) return reply_error(*x, 400, "bad_request", "`name` must be 1 to 200 characters");
  const std::vector<uint8_t> sealed = c.vault->seal(*secret);
  const int64_t org = who.org_id;
  const std::string n = *name, u = *username, d = domain.value_or(""), t = type.value_or("password");
  const bool a = approval.value_or(false), rot = rotate.value_or(false);
  return c.writer->submit(
      [=](store::Database& db, std::string& error) {
        auto& q = db.prepare(
            "INSERT INTO vault_identities (org_id, name, username, domain, credential_type, secret, requires_approval, "
            "rotate_after_use, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (org_id, name) DO UPDATE SET "
            "username = excluded.username, domain = excluded.domain, credential_type = excluded.credential_type, "
            "secret = excluded.secret, requires_approval = excluded.requires_approval, rotate_after_use = excluded.rotate_after_use");
        q.bind(1, org).bind(2, std::string_view(n)).bind(3, std::string_view(u)).bind(4, std::string_view(d)).bind(5, std::string_view(t));
        q.bind_blob(6, sealed.data(), sealed.size()).bind(7, a ? 1 : 0).bind(8, rot ? 1 : 0).bind(9, effects::wall_clock_ms());
        if (!q.run()) return error = q.error(), false;
        return true;
      },
      [&c, x, n, org](bool ok, const std::string& error) {
        if (!ok) return reply_error(*x, 500, "internal", error);
        auto& q = c.reader->prepare(std::string("SELECT ") + kColumns + " FROM vault_identities WHERE org_id = ?1 AND name = ?2");
        q.bind(1, org).bind(2, std::string_view(n));
        nlohmann::json j = q.step() ? identity_json(q) : nlohmann::json();
        q.reset();
        reply_json(*x, 201, j);
      });
}

void get_identity(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json identity;
  if (!identity_of(c, who, *x, p["id"], identity)) return;
  return reply_json(*x, 200, identity);
}

void delete_identity(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json identity;
  const auto found = identity_of(c, who, *x, p["id"], identity);
  if (!found) return;
  const std::string name = *found;
  const int64_t org = who.org_id;
  c.writer->submit(
      [org, name](store::Database& db, std::string& error) {
        auto& d = db.prepare("DELETE FROM vault_identities WHERE org_id = ?1 AND name = ?2");
        d.bind(1, org).bind(2, std::string_view(name));
        if (!d.run()) return error = d.error(), false;
        return true;
      },
      [x](bool ok, const std::string& error) {
        if (!ok) return reply_error(*x, 500, "internal", error);
        x->respond(http::Response{204, {}, ""});
      });
}

void job_credential(Context& c, const Principal& who, ExchangePtr x, int64_t job_id) {
  auto& q = c.reader->prepare("SELECT status, agent_id, spec FROM jobs WHERE id = ?1");
  q.bind(1, job_id);
  if (!q.step()) {
    q.reset();
    return reply_error(*x, 404, "not_found", fmt::format("no job {}", job_id));
  }
  const std::string status = q.column_text(0);
  const int64_t agent = q.column_is_null(1) ? 0 : q.column_int64(1);
  auto spec = nlohmann::json::parse(q.column_text(2), nullptr, false);
  q.reset();
  if (status != "running" || agent != who.agent_id)
    return reply_error(*x, 409, "conflict", fmt::format("job {} is not running on this agent", job_id));
  const std::string session = spec.is_object() ? spec.value("credential_session", "") : "";
  if (session.empty()) return reply_error(*x, 404, "not_found", fmt::format("job {} runs as no credential", job_id));
  auto& sq = c.reader->prepare(
      "SELECT v.username, v.domain, v.credential_type, v.secret, s.checked_in_at FROM credential_sessions s "
      "JOIN vault_identities v ON v.org_id = s.org_id AND v.name = s.identity WHERE s.session = ?1");
  sq.bind(1, std::string_view(session));
  if (!sq.step()) {
    sq.reset();
    return reply_error(*x, 409, "conflict", "the credential's identity is no longer in the vault");
  }
  if (!sq.column_is_null(4)) {
    sq.reset();
    return reply_error(*x, 409, "conflict", "the credential was already checked in");
  }
  nlohmann::json answer = {{"username", sq.column_text(0)}, {"domain", sq.column_text(1)}, {"credential_type", sq.column_text(2)}};
  const std::optional<std::string> secret = c.vault->unseal(sq.column_blob(3));
  sq.reset();
  if (!secret) return reply_error(*x, 500, "internal", "the secret cannot be opened with this service's vault key");
  answer["secret"] = *secret;
  reply_json(*x, 200, answer);
}

}  // namespace wf::service

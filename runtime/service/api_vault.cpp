// Vault identities (SPEC §4.7, §5 `vault/identities`): created with their secret, listed and
// read without it, deleted; and the one way a secret leaves the service — to the agent running
// a job `as` that identity, while the job runs and its checkout is open.
#include <fmt/format.h>

#include "effects/clock.h"
#include "runtime/service/routes.h"
#include "runtime/service/vault.h"
#include "runtime/service/views.h"
#include "runtime/store/jobs.h"
#include "runtime/store/vault.h"

namespace wf::service {

namespace {

// The identity `{id}` names (its name) in the caller's organization, without its secret, in
// `identity`; nullopt, after answering 404 (or 503), when there is none.
std::optional<std::string> identity_of(Context& c, const Principal& who, http::Exchange& x, std::string_view key, nlohmann::json& identity) {
  const std::string name(key);
  auto found = store::vault::find(c.reads->connection(), who.org_id, name);
  if (!read_ok(x, found)) return std::nullopt;
  if (!*found) {
    reply_error(x, 404, "not_found", fmt::format("no identity `{}`", name));
    return std::nullopt;
  }
  identity = identity_json(**found);
  return name;
}

}  // namespace

store::Result<std::optional<engine::IdentityInfo>> find_identity(Context& c, int64_t org, const std::string& name) {
  using Answer = store::Result<std::optional<engine::IdentityInfo>>;
  auto found = store::vault::find(c.reads->connection(), org, name);
  if (!found.ok()) return Answer::failure(found.error());
  if (!*found) return std::optional<engine::IdentityInfo>();
  const store::IdentityRow& r = **found;
  return std::optional<engine::IdentityInfo>(
      engine::IdentityInfo{r.username, r.domain, r.credential_type, r.requires_approval, r.rotate_after_use});
}

void list_identities(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  c.reads->read([&](store::Database& db) { return store::vault::list(db, who.org_id, {skip, limit}); },
                [&](const store::Result<store::Page<store::IdentityRow>>& page) {
                  reply_page(*x, page, [&](const store::IdentityRow& i) { return identity_json(i); });
                });
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
  store::IdentityRow row;
  row.name = *name;
  row.username = *username;
  row.domain = domain.value_or("");
  row.credential_type = type.value_or("password");
  row.sealed_secret = c.vault->seal(*secret);
  row.requires_approval = approval.value_or(false);
  row.rotate_after_use = rotate.value_or(false);
  const int64_t org = who.org_id;
  return c.writer->submit(
      [=](store::Database& db, std::string& error) { return store::vault::put(db, org, row, effects::wall_clock_ms(), error); },
      [&c, x, n = row.name, org](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        auto found = store::vault::find(c.reads->connection(), org, n);
        if (read_ok(*x, found)) reply_json(*x, 201, *found ? identity_json(**found) : nlohmann::json());
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
  c.writer->submit([org, name](store::Database& db, std::string& error) { return store::vault::remove(db, org, name, error); },
                   [x](bool ok, const std::string& error) {
                     if (!ok) return reply_not_stored(*x, error);
                     x->respond(http::Response{204, {}, ""});
                   });
}

void job_credential(Context& c, const Principal& who, ExchangePtr x, int64_t job_id) {
  auto job = store::jobs::find(c.reads->connection(), who.org_id, job_id);
  if (!read_ok(*x, job)) return;
  if (!*job) return reply_error(*x, 404, "not_found", fmt::format("no job {}", job_id));
  if (((*job)->status != store::JobStatus::Running && (*job)->status != store::JobStatus::Dispatched) ||
      (*job)->agent_id.value_or(0) != who.agent_id)
    return reply_error(*x, 409, "conflict", fmt::format("job {} is not running on this agent", job_id));
  auto spec = nlohmann::json::parse((*job)->spec, nullptr, false);
  const std::string session = spec.is_object() ? spec.value("credential_session", "") : "";
  if (session.empty()) return reply_error(*x, 404, "not_found", fmt::format("job {} runs as no credential", job_id));
  auto identity = store::vault::session(c.reads->connection(), session);
  if (!read_ok(*x, identity)) return;
  if (!*identity) return reply_error(*x, 409, "conflict", "the credential's identity is no longer in the vault");
  if ((*identity)->checked_in) return reply_error(*x, 409, "conflict", "the credential was already checked in");
  const store::IdentityRow& id = (*identity)->identity;
  nlohmann::json answer = {{"username", id.username}, {"domain", id.domain}, {"credential_type", id.credential_type}};
  const std::vector<uint8_t>& sealed = id.sealed_secret;
  const std::optional<std::string> secret =
      c.vault->unseal(std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()));
  if (!secret) return reply_error(*x, 500, "internal", "the secret cannot be opened with this service's vault key");
  answer["secret"] = *secret;
  reply_json(*x, 200, answer);
}

}  // namespace wf::service

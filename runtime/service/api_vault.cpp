// Vault identities (SPEC §4.7, §5 `vault/identities`): created with their secret, listed and
// read without it, deleted; and the one way a secret leaves the service — to the agent running
// a job `as` that identity, while the job runs and its checkout is open.
#include <fmt/format.h>

#include "effects/clock.h"
#include "syntax/literals.h"
#include "runtime/service/rotation.h"
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

// What a rotation job's agent gets: the identity's current secret and the new one its script is
// to set, while the rotation is under way.
void rotation_credential(Context& c, const Principal& who, http::Exchange& x, const std::string& name) {
  std::vector<uint8_t> pending;
  auto found = store::vault::find_sealed(c.reads->connection(), who.org_id, name, &pending);
  if (!read_ok(x, found)) return;
  if (!*found) return reply_error(x, 409, "conflict", fmt::format("identity `{}` is no longer in the vault", name));
  if ((*found)->rotation_status != "rotating" || pending.empty())
    return reply_error(x, 409, "conflict", fmt::format("no rotation of `{}` is under way", name));
  const auto open = [&](const std::vector<uint8_t>& sealed) {
    return c.vault->unseal(std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()));
  };
  const std::optional<std::string> secret = open((*found)->sealed_secret), fresh = open(pending);
  if (!secret || !fresh) return reply_error(x, 500, "internal", "the secret cannot be opened with this service's vault key");
  reply_json(x, 200, {{"username", (*found)->username}, {"domain", (*found)->domain}, {"credential_type", (*found)->credential_type},
                      {"secret", *secret}, {"new_secret", *fresh}});
}

}  // namespace

store::Result<std::optional<engine::IdentityInfo>> find_identity(Context& c, int64_t org, const std::string& name) {
  using Answer = store::Result<std::optional<engine::IdentityInfo>>;
  auto found = store::vault::find(c.reads->connection(), org, name);
  if (!found.ok()) return Answer::failure(found.error());
  if (!*found) return std::optional<engine::IdentityInfo>();
  const store::IdentityRow& r = **found;
  engine::IdentityInfo info;
  info.username = r.username;
  info.domain = r.domain;
  info.credential_type = r.credential_type;
  info.requires_approval = r.requires_approval;
  info.rotate_after_use = r.rotate_after_use;
  const nlohmann::json approvers = nlohmann::json::parse(r.approvers, nullptr, false);
  if (approvers.is_array())
    for (const nlohmann::json& a : approvers)
      if (a.is_string()) info.approvers.push_back(a.get<std::string>());
  info.approval_quorum = r.approval_quorum;
  info.approval_timeout_ms = r.approval_timeout_ms;
  return std::optional<engine::IdentityInfo>(std::move(info));
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
  auto approvers = f.strings("approvers");
  auto quorum = f.string("approval_quorum");
  auto timeout = f.string("approval_timeout");
  auto script = f.string("rotate_script");
  auto interpreter = f.string("rotate_interpreter");
  auto host = f.string("rotate_host");
  auto length = f.integer("secret_length");
  auto alphabet = f.string("secret_alphabet");
  auto channel = f.string("channel");
  if (!f.ok(*x)) return;
  if (name->empty() || name->size() > 200) return reply_error(*x, 400, "bad_request", "`name` must be 1 to 200 characters");
  store::IdentityRow row;
  row.name = *name;
  row.username = *username;
  row.domain = domain.value_or("");
  row.credential_type = type.value_or("password");
  row.requires_approval = approval.value_or(false);
  row.rotate_after_use = rotate.value_or(false);
  nlohmann::json approver_list = nlohmann::json::array();
  for (const std::string& a : approvers.value_or(std::vector<std::string>())) {
    if (!(a.starts_with("user:") || a.starts_with("role:")) || a.find(':') + 1 == a.size())
      return reply_error(*x, 400, "bad_request", fmt::format("an approver is \"user:NAME\" or \"role:NAME\" (got \"{}\")", a));
    approver_list.push_back(a);
  }
  row.approvers = approver_list.dump();
  row.approval_quorum = quorum.value_or("one_of_many");
  if (row.approval_quorum != "singular" && row.approval_quorum != "one_of_many" && row.approval_quorum != "all" &&
      row.approval_quorum != "two_of_many" && row.approval_quorum != "majority")
    return reply_error(*x, 400, "bad_request", "`approval_quorum` must be singular, one_of_many, all, two_of_many or majority");
  if (timeout) {
    const std::optional<int64_t> ms = decode_duration(*timeout);
    if (!ms || *ms < 1000) return reply_error(*x, 400, "bad_request", fmt::format("`approval_timeout` must be a duration of 1s or more, like 1h (got \"{}\")", *timeout));
    row.approval_timeout_ms = *ms;
  }
  row.rotate_script = script.value_or("");
  row.rotate_interpreter = interpreter.value_or("bash");
  if (row.rotate_interpreter != "bash" && row.rotate_interpreter != "python")
    return reply_error(*x, 400, "bad_request", "`rotate_interpreter` must be bash or python");
  row.rotate_host = host.value_or("");
  if (row.rotate_after_use && (row.rotate_script.empty() || row.rotate_host.empty()))
    return reply_error(*x, 400, "bad_request", "`rotate_after_use` needs `rotate_script` and `rotate_host`: the rotation runs there");
  row.secret_length = length.value_or(24);
  if (row.secret_length < 8 || row.secret_length > 256) return reply_error(*x, 400, "bad_request", "`secret_length` must be 8 to 256");
  row.secret_alphabet = alphabet.value_or("");
  if (alphabet && row.secret_alphabet.size() < 2) return reply_error(*x, 400, "bad_request", "`secret_alphabet` needs at least 2 characters");
  row.channel = channel.value_or("");
  if (!row.channel.empty()) {
    const std::string kind = row.channel.substr(0, row.channel.find(':'));
    if (row.channel.find(':') == std::string::npos || (kind != "slack" && kind != "email" && kind != "webhook" && kind != "pagerduty"))
      return reply_error(*x, 400, "bad_request", "`channel` is KIND:TARGET, KIND slack, email, webhook or pagerduty");
  }
  row.sealed_secret = c.vault->seal(*secret);
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

void rotate_identity(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  if (!c.rotations) return reply_error(*x, 503, "unavailable", "this service does not rotate secrets");
  const std::string name(p["id"]);
  c.rotations->start(who.org_id, name, store::ActorKind::User, who.actor(), "on demand",
                     [x, name](std::optional<int64_t> job, int status, const std::string& error) {
                       if (!job) return reply_error(*x, status, status == 404 ? "not_found" : status == 409 ? "conflict" : "store_unavailable", error);
                       reply_json(*x, 202, {{"identity", name}, {"rotation_status", "rotating"}, {"job_id", *job}});
                     });
}

void list_sessions(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto open = store::vault::open_sessions(c.reads->connection(), who.org_id);
  if (!read_ok(*x, open)) return;
  nlohmann::json items = nlohmann::json::array();
  for (const store::SessionInfo& s : *open) items.push_back(session_json(s));
  reply_items(*x, std::move(items));
}

void revoke_session(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const std::string session(p["id"]);
  const engine::OpResult result =
      c.engine->revoke_session(who.org_id, session, who.actor(), [&c, x, session, org = who.org_id](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        auto found = store::vault::find_session(c.reads->connection(), org, session);
        if (read_ok(*x, found)) reply_json(*x, 200, *found ? session_json(**found) : nlohmann::json());
      });
  reply_refusal(*x, result);
}

void job_credential(Context& c, const Principal& who, ExchangePtr x, int64_t job_id) {
  auto job = store::jobs::find(c.reads->connection(), who.org_id, job_id);
  if (!read_ok(*x, job)) return;
  if (!*job) return reply_error(*x, 404, "not_found", fmt::format("no job {}", job_id));
  if (((*job)->status != store::JobStatus::Running && (*job)->status != store::JobStatus::Dispatched) ||
      (*job)->agent_id.value_or(0) != who.agent_id)
    return reply_error(*x, 409, "conflict", fmt::format("job {} is not running on this agent", job_id));
  auto spec = nlohmann::json::parse((*job)->spec, nullptr, false);
  if (spec.is_object() && spec.contains("rotation_of")) return rotation_credential(c, who, *x, spec.value("rotation_of", ""));
  const std::string session = spec.is_object() ? spec.value("credential_session", "") : "";
  if (session.empty()) return reply_error(*x, 404, "not_found", fmt::format("job {} runs as no credential", job_id));
  auto identity = store::vault::session(c.reads->connection(), session);
  if (!read_ok(*x, identity)) return;
  if (!*identity) return reply_error(*x, 409, "conflict", "the credential's identity is no longer in the vault");
  if ((*identity)->checked_in) {
    const std::string& why = (*identity)->closed_reason;
    return reply_error(*x, 409, "conflict",
                       why == "expired"   ? std::string("the credential's lease expired: its session is closed")
                       : why == "revoked" ? std::string("the credential's session was revoked")
                                          : std::string("the credential was already checked in"));
  }
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

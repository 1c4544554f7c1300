// Rotation of vault secrets (see rotation.h).
#include "runtime/service/rotation.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include "effects/clock.h"
#include "runtime/service/vault.h"
#include "runtime/store/audit.h"
#include "runtime/store/vault.h"
#include "runtime/store/writer.h"

namespace wf::service {

namespace {

constexpr std::string_view kLettersAndDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

store::AuditRow audit_row(int64_t org, store::ActorKind kind, const std::string& actor, const std::string& action,
                          const std::string& identity, const std::string& detail, store::AuditOutcome outcome) {
  store::AuditRow a;
  a.org_id = org;
  a.at = effects::wall_clock_ms();
  a.actor_kind = kind;
  a.actor = actor;
  a.action = action;
  a.method = std::string(1, '-');  // not `= "-"`: GCC 12 warns (-Wrestrict) on that short assignment
  a.path = "/vault/identities/{id}/rotate";
  a.resource = "vault/identities";
  a.resource_id = identity;
  a.outcome = outcome;
  a.detail = detail;
  return a;
}

}  // namespace

std::string new_secret_text(int64_t length, const std::string& alphabet) {
  const std::string_view from = alphabet.empty() ? kLettersAndDigits : std::string_view(alphabet);
  std::string out(static_cast<size_t>(length), '\0');
  for (char& ch : out) ch = from[randombytes_uniform(static_cast<uint32_t>(from.size()))];
  return out;
}

void Rotations::start(int64_t org, const std::string& name, store::ActorKind kind, const std::string& actor, const std::string& why,
                      Started started) {
  auto found = store::vault::find(c_.reads->connection(), org, name);
  if (!found.ok()) return started(std::nullopt, 503, "the store could not be read: " + found.error());
  if (!*found) return started(std::nullopt, 404, fmt::format("no identity `{}`", name));
  const store::IdentityRow identity = **found;
  if (identity.rotate_script.empty() || identity.rotate_host.empty())
    return started(std::nullopt, 409, fmt::format("identity `{}` has no rotate_script and rotate_host to rotate with", name));
  if (identity.rotation_status == "rotating")
    return started(std::nullopt, 409, fmt::format("a rotation of `{}` is already under way (job {})", name, identity.rotation_job.value_or(0)));
  // The new secret exists in the clear only here and, later, in the rotation job's environment.
  std::string secret = new_secret_text(identity.secret_length, identity.secret_alphabet);
  const std::vector<uint8_t> sealed = c_.vault->seal(secret);
  sodium_memzero(secret.data(), secret.size());
  const store::AuditRow began = audit_row(org, kind, actor, "vault.rotate", name, why, store::AuditOutcome::Ok);
  c_.writer->submit(
      [org, name, sealed, began](store::Database& db, std::string& error) {
        return store::vault::begin_rotation(db, org, name, sealed, error) && store::audit::append(db, began, error);
      },
      [this, org, identity, started = std::move(started)](bool ok, const std::string& error) {
        if (!ok) return started(std::nullopt, 503, "the rotation was not stored: " + error);
        const nlohmann::json spec = {{"kind", "script"},        {"script_body", identity.rotate_script},
                                     {"interpreter", identity.rotate_interpreter}, {"env", nlohmann::json::object()},
                                     {"timeout_ms", 300000},    {"kill_grace_ms", 2000},
                                     {"output_cap", 1 << 20},   {"working_dir", ""},
                                     {"elevated", false},       {"rotation_of", identity.name}};
        const std::string name = identity.name;
        const int64_t job = c_.engine->create_job(org, identity.rotate_host, spec, fmt::format("rotate {}", name), 0, nullptr);
        c_.writer->submit([org, name, job](store::Database& db, std::string& e) { return store::vault::set_rotation_job(db, org, name, job, e); },
                          nullptr);
        started(job, 202, "");
      });
}

void Rotations::released(const store::Changes& committed) {
  for (const auto& [session, at] : committed.sessions_checked_in) {
    auto found = store::vault::session(c_.reads->connection(), session);
    if (!found.ok() || !*found || !(*found)->identity.rotate_after_use) continue;
    const std::string name = (*found)->identity.name;
    const int64_t org = (*found)->org_id, instance = (*found)->instance_id;
    start(org, name, store::ActorKind::Anonymous, fmt::format("instance:{}", instance), fmt::format("after use by instance {}", instance),
          [this, org, name](std::optional<int64_t>, int status, const std::string& error) {
            if (status >= 400) c_.engine->report_vault(org, name, "", fmt::format("rotation of `{}` after use did not start: {}", name, error), nullptr);
          });
  }
  for (const store::JobRow& job : committed.jobs) {
    if (!store::has_ended(job.status) || job.spec.find("\"rotation_of\"") == std::string::npos) continue;
    const nlohmann::json spec = nlohmann::json::parse(job.spec, nullptr, false);
    if (spec.is_object() && spec.contains("rotation_of") && spec["rotation_of"].is_string()) finish(job, spec["rotation_of"].get<std::string>());
  }
}

void Rotations::finish(const store::JobRow& job, const std::string& name) {
  const bool succeeded = job.status == store::JobStatus::Completed && job.exit_code.value_or(-1) == 0;
  const int64_t org = job.org_id, id = job.id;
  auto identity = store::vault::find(c_.reads->connection(), org, name);
  const std::string channel = identity.ok() && *identity ? (*identity)->channel : std::string();
  const std::string detail = succeeded ? fmt::format("job {} succeeded: the new secret is stored", id)
                                       : fmt::format("job {} ended {}{}: the old secret stays", id, store::name(job.status),
                                                     job.exit_code ? fmt::format(" (exit {})", *job.exit_code) : std::string());
  const store::AuditRow ended = audit_row(org, store::ActorKind::Anonymous, fmt::format("job:{}", id),
                                          succeeded ? "vault.rotated" : "vault.rotation_failed", name, detail,
                                          succeeded ? store::AuditOutcome::Ok : store::AuditOutcome::Error);
  c_.writer->submit(
      [org, name, id, succeeded, ended](store::Database& db, std::string& error) {
        return store::vault::end_rotation(db, org, name, id, succeeded, effects::wall_clock_ms(), error) &&
               store::audit::append(db, ended, error);
      },
      [this, org, name, channel, succeeded, detail](bool ok, const std::string&) {
        if (ok && !succeeded)
          c_.engine->report_vault(org, name, channel, fmt::format("rotation of `{}` failed: {}", name, detail), nullptr);
      });
}

}  // namespace wf::service

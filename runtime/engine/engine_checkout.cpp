// The `checkout` and `checkin` effects (SPEC §1.6, §1.8): answered at once from the vault. The
// credential carries a session handle, never the secret, which reaches only a job run `as` it,
// through its agent; checkin closes the session.
#include <fmt/format.h>

#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/instance.h"

namespace wf::engine {

using effects::field_string;

void Engine::checkout(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch) {
  const std::string name = field_string(r.args, "identity");
  store::Result<std::optional<IdentityInfo>> found =
      identities_ ? identities_(in.row.org_id, name) : store::Result<std::optional<IdentityInfo>>(std::nullopt);
  if (!found.ok()) {
    m.resume_error(r.fiber, r.seq, effects::make_error(stdlib::ErrorKind::Failed, "the vault could not be read: " + found.error()));
    return;
  }
  const std::optional<IdentityInfo>& identity = *found;
  if (!identity) {
    m.resume_error(r.fiber, r.seq, effects::make_error(stdlib::ErrorKind::NotFound, fmt::format("no identity `{}` in the vault", name)));
    return;
  }
  if (identity->requires_approval) {
    m.resume_error(r.fiber, r.seq,
                   effects::make_error(stdlib::ErrorKind::Permission, fmt::format("checking out `{}` needs an approval, which this service "
                                                                 "does not take for checkouts yet",
                                                                 name)));
    return;
  }
  const std::string session = fmt::format("cs-{}-{}", in.row.id, r.seq);
  ch.sessions_opened.push_back({session, name, in.row.org_id, in.row.id, effects::wall_clock_ms()});
  log(in, ch, "checkout", fmt::format("checkout {} as {} ({})", name, identity->username, field_string(r.args, "reason")));
  m.resume(r.fiber, r.seq,
           effects::make_credential(identity->username, identity->domain, identity->credential_type, name, session));
}

void Engine::checkin(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch) {
  const vm::Value& credential = effects::field(r.args, "credential");
  const std::string session = field_string(credential, "session");
  if (!session.empty()) {
    ch.sessions_checked_in.emplace_back(session, effects::wall_clock_ms());
    log(in, ch, "checkin", fmt::format("checkin {}", field_string(credential, "identity")));
  }
  m.resume(r.fiber, r.seq, vm::Value());
}

}  // namespace wf::engine

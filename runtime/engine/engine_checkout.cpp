// The `checkout` and `checkin` effects (SPEC §1.6, §1.8). A checkout of an identity that needs
// no approval is answered at once from the vault; one that does waits (reason `pam_approval`) on a
// normal approval request, and opens its session only once approved. The credential carries a
// session handle, never the secret, which reaches only a job run `as` it, through its agent. A
// session's lease (the checkout's ttl) is a durable timer that closes it; checkin closes it too.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "effects/approval_state.h"
#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/instance.h"
#include "runtime/store/vault.h"
#include "vm/render.h"

namespace wf::engine {

using effects::field_int;
using effects::field_string;

namespace {

// The arguments of the approval request a checkout waits on: what the request needs (title,
// quorum, timeout, approvers as `by`) and what opening the session afterwards needs.
vm::Value checkout_approval(const std::string& name, const IdentityInfo& identity, const vm::Value& checkout) {
  static const vm::Shape* shape = vm::Shape::intern(
      {"title", "quorum", "timeout", "by", "identity", "reason", "ttl", "username", "domain", "credential_type"});
  std::vector<vm::Value> by;
  for (const std::string& a : identity.approvers) {
    const size_t colon = a.find(':');
    if (colon != std::string::npos) by.push_back(vm::make_approver(a.substr(0, colon), a.substr(colon + 1)));
  }
  // Nobody named: anyone who may manage the vault.
  if (by.empty()) by.push_back(vm::make_approver("permission", "pam_vaults.manage"));
  const std::string reason = field_string(checkout, "reason");
  return vm::make_record(shape, {vm::make_string(reason.empty() ? fmt::format("checkout {}", name) : fmt::format("checkout {}: {}", name, reason)),
                                 vm::make_string(identity.approval_quorum.empty() ? "one_of_many" : identity.approval_quorum),
                                 vm::Value::duration(identity.approval_timeout_ms > 0 ? identity.approval_timeout_ms : 3600000),
                                 vm::make_list(std::move(by)), vm::make_string(name), vm::make_string(reason),
                                 vm::Value::duration(field_int(checkout, "ttl")), vm::make_string(identity.username),
                                 vm::make_string(identity.domain), vm::make_string(identity.credential_type)});
}

std::string session_of(int64_t instance, uint64_t seq) { return fmt::format("cs-{}-{}", instance, seq); }

}  // namespace

bool Engine::checkout(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch, vm::Value& approval) {
  const std::string name = field_string(r.args, "identity");
  store::Result<std::optional<IdentityInfo>> found =
      identities_ ? identities_(in.row.org_id, name) : store::Result<std::optional<IdentityInfo>>(std::nullopt);
  if (!found.ok()) {
    m.resume_error(r.fiber, r.seq, effects::make_error(stdlib::ErrorKind::Failed, "the vault could not be read: " + found.error()));
    return true;
  }
  const std::optional<IdentityInfo>& identity = *found;
  if (!identity) {
    m.resume_error(r.fiber, r.seq, effects::make_error(stdlib::ErrorKind::NotFound, fmt::format("no identity `{}` in the vault", name)));
    return true;
  }
  vm::Value args = checkout_approval(name, *identity, r.args);
  if (identity->requires_approval) {
    approval = std::move(args);
    return false;
  }
  m.resume(r.fiber, r.seq, open_session(in, r.seq, args, ch));
  return true;
}

vm::Value Engine::open_session(Instance& in, uint64_t seq, const vm::Value& args, Changes& ch) {
  const std::string name = field_string(args, "identity"), username = field_string(args, "username");
  const std::string session = session_of(in.row.id, seq);
  const int64_t now = effects::wall_clock_ms(), ttl = field_int(args, "ttl");
  store::SessionRow row{session, name, in.row.org_id, in.row.id, now, std::nullopt};
  if (ttl > 0) {
    row.expires_at = now + ttl;
    arm(*row.expires_at, Timer{Timer::Kind::LeaseEnd, in.row.id, seq, in.row.org_id, session});
  }
  ch.sessions_opened.push_back(row);
  log(in, ch, "checkout",
      fmt::format("checkout {} as {} ({}){}", name, username, field_string(args, "reason"),
                  ttl > 0 ? fmt::format(", lease {}", vm::format_duration(ttl)) : std::string()));
  return effects::make_credential(username, field_string(args, "domain"), field_string(args, "credential_type"), name, session);
}

void Engine::settle_checkout(Instance& in, Wait& w, const effects::ApprovalState& state, Changes& ch) {
  const vm::Value decision = state.approval();
  if (effects::field_bool(decision, "approved")) {
    vm::Value credential = open_session(in, w.seq, w.args, ch);
    settle_wait(in, w, false, std::move(credential), ch);
    return;
  }
  std::vector<std::string> who;
  const vm::Value& by = effects::field(decision, "responded_by");
  if (by.tag == vm::Tag::List)
    for (const vm::Value& v : vm::as_list(by)) who.push_back(vm::render(v));
  const std::string note = field_string(decision, "note");
  const std::string message =
      fmt::format("checkout of `{}` was not approved: {}{}{}", field_string(w.args, "identity"), field_string(decision, "decision"),
                  who.empty() ? "" : fmt::format(" by {}", fmt::join(who, ", ")), note.empty() ? "" : fmt::format(" ({})", note));
  log(in, ch, "checkout", message);
  settle_wait(in, w, true, effects::make_error(stdlib::ErrorKind::Permission, message), ch);
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

// The lease ran out: the session closes whatever the instance is doing; a job still running `as`
// it is refused its secret from now on.
void Engine::end_lease(int64_t org, int64_t instance, const std::string& session) {
  auto it = instances_.find(instance);
  if (it == instances_.end() && recovering_) {
    // Its instance may not be back yet: the lease ends once it is, so that its log says so.
    arm(wall_now() + 100, Timer{Timer::Kind::LeaseEnd, instance, 0, org, session});
    return;
  }
  // Checked in (or closed otherwise) before its lease ran out: nothing to end.
  auto found = store::vault::find_session(reader_, org, session);
  if (found.ok() && (!*found || (*found)->closed_at)) return;
  Changes ch;
  const int64_t now = effects::wall_clock_ms();
  ch.sessions_closed.push_back({session, now, "expired", ""});
  const std::string line = fmt::format("the lease of session {} expired: the session is closed and its secret refused", session);
  if (it != instances_.end()) log(*it->second, ch, "checkout", line);
  else ch.late_log.push_back({instance, now, "checkout", line});  // an ended instance's log goes on
  event(ch, org, instance, "session.closed", {{"session", session}, {"reason", "expired"}});
  commit(std::move(ch), nullptr);
}

OpResult Engine::revoke_session(int64_t org, const std::string& session, const std::string& by, Done done) {
  auto found = store::vault::find_session(reader_, org, session);
  if (!found.ok()) return {Outcome::Unavailable, "the store could not be read: " + found.error()};
  if (!*found) return {Outcome::NotFound, fmt::format("no session `{}`", session)};
  if ((*found)->closed_at) return {Outcome::Conflict, fmt::format("session `{}` is already closed ({})", session, (*found)->closed_reason)};
  Changes ch;
  ch.sessions_closed.push_back({session, effects::wall_clock_ms(), "revoked", by});
  const int64_t instance = (*found)->instance_id;
  if (auto it = instances_.find(instance); it != instances_.end())
    log(*it->second, ch, "checkout", fmt::format("session {} of {} revoked by {}: its secret is refused from now on", session, (*found)->identity, by));
  event(ch, org, instance, "session.closed", {{"session", session}, {"reason", "revoked"}, {"by", by}});
  commit(std::move(ch), std::move(done));
  return {};
}

void Engine::report_vault(int64_t org, const std::string& identity, const std::string& channel, const std::string& message, Done done) {
  Changes ch;
  nlohmann::json data = {{"identity", identity}, {"message", message}};
  if (!channel.empty()) {
    store::NotificationRow n;
    n.id = next_notification_id_++;
    n.org_id = org;
    n.step = fmt::format("vault {}", identity);
    n.channel = channel;
    n.message = message;
    n.created_at = n.next_attempt_at.emplace(effects::wall_clock_ms());
    data["notifications"] = {n.id};
    ch.notifications.push_back(std::move(n));
  }
  event(ch, org, std::nullopt, "vault.rotation_failed", std::move(data));
  commit(std::move(ch), std::move(done));
}

// Open sessions with a lease come back with their timers (an overdue one closes at once).
bool Engine::recover_leases(std::string& error) {
  auto leased = store::vault::leased_sessions(reader_);
  if (!leased.ok()) return error = leased.error(), false;
  for (const store::SessionInfo& s : *leased)
    arm(*s.expires_at, Timer{Timer::Kind::LeaseEnd, s.instance_id, 0, s.org_id, s.session});
  return true;
}

}  // namespace wf::engine

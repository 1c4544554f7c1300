// Approvals (SPEC §4.3): an `approve` effect becomes a pending request; responses accumulate under
// its quorum (effects::ApprovalState) and are audited; a decision or the timeout resumes the
// instance.
#include <fmt/format.h>
#include <nlohmann/json.hpp>


#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "vm/render.h"

namespace wf::engine {

namespace {

// The approvers as names: `user("alice")` → "alice", `role("dba")` → "role:dba".
std::string approvers_json(const vm::Value& args) {
  nlohmann::json names = nlohmann::json::array();
  const vm::Value& by = effects::field(args, "by");
  if (by.tag == vm::Tag::List)
    for (const vm::Value& a : vm::as_list(by)) names.push_back(vm::render(a));
  return names.dump();
}

}  // namespace

void Engine::begin_approval(Instance& in, Wait& w, Changes& ch) {
  auto a = std::make_unique<Approval>();
  a->state = std::make_unique<effects::ApprovalState>(w.args);
  ApprovalRow& r = a->row;
  r.id = next_approval_id_++;
  r.org_id = in.row.org_id;
  r.instance_id = in.row.id;
  r.effect_seq = w.seq;
  r.title = a->state->title();
  r.quorum = a->state->quorum();
  r.approvers = approvers_json(w.args);
  r.status = "pending";
  r.created_at = effects::wall_clock_ms();
  if (a->state->timeout_ms() > 0) {
    r.timeout_at = r.created_at + a->state->timeout_ms();
    arm(*r.timeout_at, Timer{Timer::Kind::ApprovalTimeout, r.id, 0, {}});
  }
  w.approval_id = r.id;
  ch.approvals.push_back(r);
  event(ch, in.row.id, "approval.requested", {{"approval_id", r.id}, {"title", r.title}, {"quorum", r.quorum}});
  log(in, ch, "approval", fmt::format("approval requested: \"{}\" (quorum {})", r.title, r.quorum));
  approvals_[r.id] = std::move(a);
}

// A decided request answers its `approve`: the Approval record, or for the statement form a
// `rejected` error when it was not approved.
void Engine::settle_approval(Instance& in, Wait& w, const effects::ApprovalState& state, Changes& ch) {
  vm::Value rejection = state.statement() ? state.rejection() : vm::Value();
  if (!rejection.is_none()) settle_wait(in, w, true, std::move(rejection), ch);
  else settle_wait(in, w, false, state.approval(), ch);
}

OpResult Engine::respond(int64_t approval_id, const std::string& who, bool approve, const std::string& note,
                         const std::string& via, bool settle, Done done) {
  auto it = approvals_.find(approval_id);
  if (it == approvals_.end()) {
    auto& q = reader_.prepare("SELECT status FROM approvals WHERE id = ?1");
    q.bind(1, approval_id);
    const bool known = q.step();
    const std::string status = known ? q.column_text(0) : "";
    q.reset();
    if (!known) return {Outcome::NotFound, fmt::format("no approval {}", approval_id)};
    return {Outcome::Conflict, fmt::format("approval {} is already {}", approval_id, status)};
  }
  Approval& a = *it->second;
  auto in_it = instances_.find(a.row.instance_id);
  if (in_it == instances_.end()) return {Outcome::Conflict, "the instance has already ended"};
  Instance& in = *in_it->second;
  Changes ch;
  const int64_t now = effects::wall_clock_ms();
  ch.responses.push_back({approval_id, who, approve ? "approve" : "reject", note, via, now});
  event(ch, in.row.id, "approval.responded", {{"approval_id", approval_id}, {"who", who}, {"decision", approve ? "approve" : "reject"}, {"via", via}});
  log(in, ch, "approval", fmt::format("{} {} \"{}\"{}", who, approve ? "approved" : "rejected", a.row.title, note.empty() ? "" : " (" + note + ")"));
  bool decided = a.state->respond(who, approve, note, via);
  if (!decided && settle) {
    a.state->decide(approve);
    decided = true;
  }
  if (decided) {
    const bool approved = effects::field_bool(a.state->approval(), "approved");
    a.row.status = approved ? "approved" : "rejected";
    a.row.decided_at = now;
    event(ch, in.row.id, "approval.decided", {{"approval_id", approval_id}, {"status", a.row.status}});
    auto w = in.waits.find(a.row.effect_seq);
    if (w != in.waits.end()) settle_approval(in, w->second, *a.state, ch);
  }
  ch.approvals.push_back(a.row);
  if (decided) {
    approvals_.erase(it);
    if (!in.row.operator_paused) advance(in, ch);
  }
  commit(std::move(ch), std::move(done));
  return {};
}

}  // namespace wf::engine

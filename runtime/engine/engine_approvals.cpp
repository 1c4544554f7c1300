// Approvals (SPEC §4.3): an `approve` effect becomes a pending request; responses accumulate under
// its quorum (effects::ApprovalState) and are audited; a decision or the timeout resumes the
// instance; recovery rebuilds a request's state from its audited responses.
#include <fmt/format.h>
#include <nlohmann/json.hpp>


#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "runtime/store/approvals.h"
#include "vm/render.h"

namespace wf::engine {

namespace {

// The approvers as names: `user("alice")` → "user:alice", `role("dba")` → "role:dba".
std::string approvers_json(const vm::Value& args) {
  nlohmann::json names = nlohmann::json::array();
  const vm::Value& by = effects::field(args, "by");
  if (by.tag == vm::Tag::List)
    for (const vm::Value& a : vm::as_list(by)) names.push_back(vm::render(a));
  return names.dump();
}

}  // namespace

void Engine::arm_approval(Instance& in, Wait& w, Changes& ch) {
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
  r.status = ApprovalStatus::Pending;
  r.created_at = wall_now();
  if (a->state->timeout_ms() > 0) {
    r.timeout_at = r.created_at + a->state->timeout_ms();
    arm(*r.timeout_at, Timer{Timer::Kind::ApprovalTimeout, r.id, 0, 0, {}});
  }
  w.approval_id = r.id;
  ch.approvals.push_back(r);
  event(in, ch, "approval.requested", {{"approval_id", r.id}, {"title", r.title}, {"quorum", r.quorum}});
  log(in, ch, "approval", fmt::format("approval requested: \"{}\" (quorum {})", r.title, r.quorum));
  approvals_[r.id] = std::move(a);
}

// A decided request answers its `approve`: the Approval record, or for the statement form a
// `rejected` error when it was not approved.
void Engine::settle_approval(Instance& in, Wait& w, const effects::ApprovalState& state, Changes& ch) {
  if (w.kind == bytecode::EffectKind::Checkout) return settle_checkout(in, w, state, ch);
  vm::Value rejection = state.statement() ? state.rejection() : vm::Value();
  if (!rejection.is_none()) settle_wait(in, w, true, std::move(rejection), ch);
  else settle_wait(in, w, false, state.approval(), ch);
}

OpResult Engine::respond(int64_t org, int64_t approval_id, const ApprovalAnswer& answer, Done done) {
  const std::string& who = answer.who;
  const bool approve = answer.approve;
  const std::string &note = answer.note, &via = answer.via;
  auto it = approvals_.find(approval_id);
  if (it == approvals_.end() || it->second->row.org_id != org) {
    auto known = store::approvals::find(reader_, org, approval_id);
    if (!known.ok()) return {Outcome::Unavailable, "the store could not be read: " + known.error()};
    if (!*known) return {Outcome::NotFound, fmt::format("no approval {}", approval_id)};
    return {Outcome::Conflict, fmt::format("approval {} is already {}", approval_id, name((*known)->status))};
  }
  Approval& a = *it->second;
  auto in_it = instances_.find(a.row.instance_id);
  if (in_it == instances_.end()) return {Outcome::Conflict, "the instance has already ended"};
  if (a.state->responded(who)) return {Outcome::Conflict, fmt::format("{} has already responded to approval {}", who, approval_id)};
  Instance& in = *in_it->second;
  Changes ch;
  const int64_t now = effects::wall_clock_ms();
  ch.responses.push_back({approval_id, who, approve ? "approve" : "reject", note, via, now, answer.recorded_by});
  nlohmann::json data{{"approval_id", approval_id}, {"who", who}, {"decision", approve ? "approve" : "reject"}, {"via", via}};
  if (!answer.recorded_by.empty()) data["recorded_by"] = answer.recorded_by;
  event(in, ch, "approval.responded", std::move(data));
  const std::string behalf = answer.recorded_by.empty() ? "" : fmt::format(" (recorded by {})", answer.recorded_by);
  log(in, ch, "approval", fmt::format("{} {} \"{}\"{}{}", who, approve ? "approved" : "rejected", a.row.title, note.empty() ? "" : " (" + note + ")", behalf));
  bool decided = a.state->respond(who, approve, note, via);
  if (!decided && answer.settle) {
    a.state->decide(approve);
    decided = true;
  }
  if (decided) {
    const bool approved = effects::field_bool(a.state->approval(), "approved");
    a.row.status = approved ? ApprovalStatus::Approved : ApprovalStatus::Rejected;
    a.row.decided_at = now;
    event(in, ch, "approval.decided", {{"approval_id", approval_id}, {"status", name(a.row.status)}});
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

// The request's timeout fired: it expires, and its `approve` is answered so.
void Engine::expire_approval(int64_t approval_id) {
  auto it = approvals_.find(approval_id);
  if (it == approvals_.end()) return;
  Approval& a = *it->second;
  auto in_it = instances_.find(a.row.instance_id);
  if (in_it == instances_.end()) return;
  Instance& in = *in_it->second;
  Changes ch;
  a.state->expire();
  a.row.status = ApprovalStatus::Expired;
  a.row.decided_at = effects::wall_clock_ms();
  ch.approvals.push_back(a.row);
  event(in, ch, "approval.decided", {{"approval_id", a.row.id}, {"status", "expired"}});
  log(in, ch, "approval", fmt::format("approval \"{}\" timed out", a.row.title));
  auto w = in.waits.find(a.row.effect_seq);
  if (w != in.waits.end()) settle_approval(in, w->second, *a.state, ch);
  approvals_.erase(it);
  if (!in.row.operator_paused) advance(in, ch);
  commit(std::move(ch), nullptr);
}

// Rebuilds the request from its row and its audited responses; a pending one waits again (its
// timeout re-armed), a decided one answers its `approve`.
bool Engine::recover_approval(Instance& in, Wait& w, Changes& scratch, std::string& error) {
  // Recovery has read its chunk's requests and responses set-wise; outside a chunk they are read
  // for this effect.
  std::optional<ApprovalRow> request;
  std::vector<ResponseRow> responses;
  if (recovered_approvals_) {
    auto found = recovered_approvals_->requests.find({in.row.id, w.seq});
    if (found == recovered_approvals_->requests.end()) return true;
    request = found->second;
    if (auto r = recovered_approvals_->responses.find(request->id); r != recovered_approvals_->responses.end()) responses = r->second;
  } else {
    auto row = store::approvals::of_effect(reader_, in.row.id, w.seq);
    if (!row.ok()) return error = row.error(), false;
    if (!*row) return true;
    request = std::move(**row);
    auto stored = store::approvals::responses(reader_, request->id);
    if (!stored.ok()) return error = stored.error(), false;
    responses = std::move(*stored);
  }
  auto a = std::make_unique<Approval>();
  a->row = std::move(*request);
  a->state = std::make_unique<effects::ApprovalState>(w.args);
  for (const ResponseRow& r : responses) a->state->respond(r.who, r.decision == "approve", r.note, r.via);
  w.approval_id = a->row.id;
  if (a->row.status == ApprovalStatus::Pending) {
    if (a->row.timeout_at) arm(*a->row.timeout_at, Timer{Timer::Kind::ApprovalTimeout, a->row.id, 0, 0, {}});
    approvals_[a->row.id] = std::move(a);
    return true;
  }
  if (a->row.status == ApprovalStatus::Expired) a->state->expire();
  else if (!a->state->decided()) a->state->decide(a->row.status == ApprovalStatus::Approved);
  settle_approval(in, w, *a->state, scratch);
  return true;
}

}  // namespace wf::engine

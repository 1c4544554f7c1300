// The operator's operations on an instance (SPEC §4.1): cancel, pause and resume at the next
// effect boundary, and retry of a failed instance from its last checkpoint.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/transition.h"
#include "runtime/store/instances.h"

namespace wf::engine {

namespace {

const OpResult kEnded{Outcome::Conflict, "the instance has already ended"};

}  // namespace

OpResult Engine::cancel(int64_t org, int64_t id, Done done) {
  Instance* in = find_live(org, id);
  if (!in) return kEnded;
  Changes ch;
  abort_instance(*in, stdlib::ErrorKind::Cancelled, "cancelled by an operator", ch);
  commit(std::move(ch), std::move(done));
  return {};
}

OpResult Engine::pause(int64_t org, int64_t id, Done done) {
  Instance* in = find_live(org, id);
  if (!in) return kEnded;
  if (in->row.status == InstanceStatus::Queued) return {Outcome::Conflict, "the instance has not started"};
  if (in->row.operator_paused) return {Outcome::Conflict, "the instance is already paused"};
  Changes ch;
  in->row.operator_paused = true;
  log(*in, ch, "instance", "paused by an operator");
  update_status(*in, ch);
  ch.instances.push_back(in->row);
  commit(std::move(ch), std::move(done));
  return {};
}

OpResult Engine::resume(int64_t org, int64_t id, Done done) {
  Instance* in = find_live(org, id);
  if (!in) return kEnded;
  if (!in->row.operator_paused) return {Outcome::Conflict, "the instance is not paused by an operator"};
  Changes ch;
  in->row.operator_paused = false;
  log(*in, ch, "instance", "resumed by an operator");
  bool any_ready = false;
  for (auto& [seq, w] : in->waits) any_ready = any_ready || w.ready;
  if (any_ready) advance(*in, ch);
  else {
    update_status(*in, ch);
    ch.instances.push_back(in->row);
  }
  commit(std::move(ch), std::move(done));
  return {};
}

OpResult Engine::retry(int64_t org, int64_t id, Done done) {
  if (instances_.count(id)) return {Outcome::Conflict, "only a failed instance can be retried"};
  auto found = store::instances::find(reader_, org, id);
  if (!found.ok()) return {Outcome::Unavailable, "the store could not be read: " + found.error()};
  if (!*found) return {Outcome::NotFound, fmt::format("no instance {}", id)};
  InstanceRow stored = std::move(**found);
  if (stored.status != InstanceStatus::Failed)
    return {Outcome::Conflict, fmt::format("instance {} is {}: only a failed instance can be retried", id, name(stored.status))};
  auto owned = std::make_unique<Instance>();
  Instance& in = *owned;
  in.row = std::move(stored);
  if (std::string error; !load_stored(in, error)) return {Outcome::Unavailable, "the store could not be read: " + error};
  if (!in.program) return {Outcome::Conflict, "the instance's definition version no longer exists"};
  if (!in.row.checkpoint)
    return {Outcome::Conflict, "the instance failed before its first step: it has no checkpoint to retry from; start it again"};
  InstanceRow& r = in.row;
  r.module_hash = in.program->module_hash;
  r.status = InstanceStatus::Running;
  r.ended_at.reset();
  r.error.clear();
  r.error_message.clear();
  r.result.clear();
  // Effects of this attempt get seqs the failed one never used, so every row it made — jobs,
  // approvals, steps — stays as it was (SPEC §4.1: history is append-only).
  uint64_t next_seq = 0;
  if (vm::ContinuationDecodeResult failed = vm::decode_continuation(view(r.continuation)); failed.ok())
    next_seq = failed.data().next_seq;
  r.continuation.reset();
  r.timeout_at.reset();
  ++r.attempt;  // the @timeout ran from the first start and has expired or been spent
  Changes ch;
  // Back to the failed step's checkpoint, with the variables as they were when it was entered.
  Transition t(*this, in, ch);
  if (!t.restore(view(r.checkpoint)).ok())
    return {Outcome::Conflict, "the instance failed before its first step: it has no checkpoint to retry from; start it again"};
  t.machine().next_seq() = std::max(t.machine().next_seq(), next_seq);
  t.machine().restart_step_timeouts(effects::wall_clock_ms());  // the retried step has its whole time
  instances_[id] = std::move(owned);
  log(in, ch, "instance", fmt::format("retried from the last checkpoint (attempt {})", r.attempt));
  reopen_checkpoint_steps(in, ch);
  event(in, ch, "instance.status", {{"status", "running"}});
  advance(t);
  commit(std::move(ch), std::move(done));
  return {};
}

}  // namespace wf::engine

// A step's `timeout` (SPEC §1.5) in the service: each effect that waits inside a timed step gets a
// durable timer at the step's deadline (the deadline lives in the continuation, so recovery finds
// it again); when it fires before the effect is answered, the effect is answered with the step's
// `timeout` error and what it started is withdrawn — queued jobs cancelled, its approval expired,
// its child workflow cancelled. A job already running on an agent is asked to stop.
#include <fmt/format.h>

#include "effects/clock.h"
#include "effects/records.h"
#include "effects/step_timeout.h"
#include "runtime/engine/instance.h"
#include "vm/continuation.h"

namespace wf::engine {

// False when the step's time is already up: the effect is answered so, and nothing is started.
bool Engine::begin_step_timeout(Instance& in, Wait& w, const vm::Machine& m, const vm::EffectRequest& r, Changes& ch) {
  w.step_deadline = effects::effect_deadline(m, r);
  if (!w.step_deadline) return true;
  if (clock_->wall_ms() >= w.step_deadline->at) {
    time_out_wait(in, w, ch);
    return false;
  }
  arm_step_timeout(in, w);
  return true;
}

void Engine::arm_step_timeout(Instance& in, const Wait& w) {
  arm(w.step_deadline->at, Timer{Timer::Kind::StepTimeout, in.row.id, w.seq, 0, {}});
}

void Engine::step_timed_out(Instance& in, uint64_t seq) {
  auto it = in.waits.find(seq);
  if (it == in.waits.end() || it->second.ready || !it->second.step_deadline) return;
  Changes ch;
  time_out_wait(in, it->second, ch);
  if (!in.row.operator_paused) advance(in, ch);  // else taken on resume
  commit(std::move(ch), nullptr);
}

// Answers the wait with its step's `timeout` error, and withdraws what it started.
void Engine::time_out_wait(Instance& in, Wait& w, Changes& ch) {
  const std::string step = effects::field_string(w.step_deadline->info, "name");
  log(in, ch, "step", fmt::format("step \"{}\" timed out", step));
  settle_wait(in, w, true, effects::step_timeout_error(*w.step_deadline), ch);
  drop_wait(in, w, "expired", fmt::format("cancelled: step \"{}\" timed out", step), ch);
  // Whatever those ends report later belongs to no wait any more.
  w.round.clear();
  w.approval_id = 0;
  w.child_id = 0;
}

// The deadlines of the waits of a recovered instance, from its continuation: overdue ones are
// answered now (`ch` records it), the others armed again.
void Engine::recover_step_timeouts(Instance& in, Changes& ch) {
  bool any_open = false;
  for (const auto& [seq, w] : in.waits) any_open = any_open || (!w.ready && !w.withheld);
  if (!any_open || !in.row.continuation) return;
  vm::Machine m(in.program, binding_host_);
  // A continuation that cannot be restored stops the instance at its next transition, which
  // reports it; there is no deadline to read.
  if (!vm::restore(m, view(in.row.continuation)).ok()) return;
  for (auto& [seq, w] : in.waits) {
    if (w.ready || w.withheld) continue;  // a withheld effect's step timeout is armed as it begins
    w.step_deadline = effects::effect_deadline(m, vm::EffectRequest{w.kind, vm::Value(), w.fiber, w.seq});
    if (!w.step_deadline) continue;
    if (clock_->wall_ms() >= w.step_deadline->at) time_out_wait(in, w, ch);
    else arm_step_timeout(in, w);
  }
}

}  // namespace wf::engine

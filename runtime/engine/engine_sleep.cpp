// The `sleep` and `sleep until` effects (SPEC §1.6), and the delays between a step's retries: a
// durable timer, answered when it fires, re-armed (or answered at once, when overdue) by recovery.
#include <cmath>

#include "effects/records.h"
#include "runtime/engine/instance.h"

namespace wf::engine {

using effects::field;
using effects::field_int;
using effects::field_string;

void Engine::arm_sleep(Instance& in, Wait& w, WaitRow& row, const vm::EffectRequest& r) {
  int64_t due = wall_now();
  if (r.kind == bytecode::EffectKind::SleepUntil) {
    due = field_int(r.args, "time");
  } else {
    int64_t ms = field_int(r.args, "duration");
    if (field_string(r.args, "reason") == "retry_delay") {
      const vm::Value& b = field(r.args, "backoff");
      const double backoff = b.tag == vm::Tag::Float ? b.f : b.tag == vm::Tag::Int ? static_cast<double>(b.i) : 1.0;
      ms = static_cast<int64_t>(static_cast<double>(ms) * std::pow(backoff, static_cast<double>(field_int(r.args, "attempt") - 1)));
    }
    due += ms;
  }
  w.due_at = due;
  row.due_at = due;
  // Even a sleep already due yields: the transition that reached it is committed (in the writer's
  // order) and the instance goes on at the loop's next turn, so `sleep 0s` is a durable point
  // like any other effect.
  // `sleep until` waits for an instant of the wall clock; `sleep` for a duration.
  if (r.kind == bytecode::EffectKind::SleepUntil) arm_instant(due, Timer{Timer::Kind::Sleep, in.row.id, r.seq, 0, {}});
  else arm(due, Timer{Timer::Kind::Sleep, in.row.id, r.seq, 0, {}});
}

// The sleep's timer fired.
void Engine::wake(Instance& in, uint64_t seq) {
  auto w = in.waits.find(seq);
  if (w == in.waits.end() || w->second.ready) return;
  Changes ch;
  settle_wait(in, w->second, false, vm::Value(), ch);
  if (!in.row.operator_paused) advance(in, ch);  // else taken on resume
  commit(std::move(ch), nullptr);
}

void Engine::recover_sleep(Instance& in, Wait& w, Changes& scratch) {
  if (!w.due_at || *w.due_at <= wall_now()) settle_wait(in, w, false, vm::Value(), scratch);
  else if (w.kind == bytecode::EffectKind::SleepUntil) arm_instant(*w.due_at, Timer{Timer::Kind::Sleep, in.row.id, w.seq, 0, {}});
  else arm(*w.due_at, Timer{Timer::Kind::Sleep, in.row.id, w.seq, 0, {}});
}

}  // namespace wf::engine

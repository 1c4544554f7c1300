// The engine's timers: one libuv timer set to the earliest due entry of an ordered map. Sleeps,
// event and approval timeouts, @timeout, deferred starts, retry delays and long-poll deadlines
// all live here; the durable ones are re-armed from the store by recovery.
#include <fmt/format.h>
#include <nlohmann/json.hpp>


#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "vm/continuation.h"

namespace wf::engine {

void Engine::arm(int64_t due, Timer t) {
  timers_.emplace(due, std::move(t));
  reschedule_timer();
}

void Engine::reschedule_timer() {
  if (timers_.empty()) {
    uv_timer_stop(&timer_);
    return;
  }
  const int64_t wait = std::max<int64_t>(0, timers_.begin()->first - effects::wall_clock_ms());
  uv_timer_start(&timer_, [](uv_timer_t* h) { static_cast<Engine*>(h->data)->fire_timers(); }, static_cast<uint64_t>(wait), 0);
}

void Engine::fire_timers() {
  const int64_t now = effects::wall_clock_ms();
  std::vector<Timer> due;
  while (!timers_.empty() && timers_.begin()->first <= now) {
    due.push_back(std::move(timers_.begin()->second));
    timers_.erase(timers_.begin());
  }
  for (const Timer& t : due) {
    try {
      fire(t);
    } catch (const std::exception& e) {
      // Nothing may unwind into libuv; the instance stays as it was stored.
      fmt::print(stderr, "wf serve: a timer failed: {}\n", e.what());
    }
  }
  reschedule_timer();
}

void Engine::fire(const Timer& t) {
  using Kind = Timer::Kind;
  switch (t.kind) {
    case Kind::PollDeadline: {
      auto it = pollers_.find(static_cast<uint64_t>(t.id));
      if (it == pollers_.end()) return;
      auto answer = std::move(it->second->answer);
      forget_poll(static_cast<uint64_t>(t.id));
      if (answer) answer(nlohmann::json::array());
      return;
    }
    case Kind::JobDue: feed_pollers(t.host); return;
    case Kind::ApprovalTimeout: {
      auto it = approvals_.find(t.id);
      if (it == approvals_.end()) return;
      Approval& a = *it->second;
      auto in_it = instances_.find(a.row.instance_id);
      if (in_it == instances_.end()) return;
      Instance& in = *in_it->second;
      Changes ch;
      a.state->expire();
      a.row.status = "expired";
      a.row.decided_at = effects::wall_clock_ms();
      ch.approvals.push_back(a.row);
      event(ch, in.row.id, "approval.decided", {{"approval_id", a.row.id}, {"status", "expired"}});
      log(in, ch, "approval", fmt::format("approval \"{}\" timed out", a.row.title));
      auto w = in.waits.find(a.row.effect_seq);
      if (w != in.waits.end()) settle_approval(in, w->second, *a.state, ch);
      approvals_.erase(it);
      if (!in.row.operator_paused) advance(in, ch);
      commit(std::move(ch), nullptr);
      return;
    }
    default: break;
  }
  auto it = instances_.find(t.id);
  if (it == instances_.end()) return;
  Instance& in = *it->second;
  Changes ch;
  switch (t.kind) {
    case Kind::Sleep:
    case Kind::EventTimeout: {
      auto w = in.waits.find(t.seq);
      if (w == in.waits.end() || w->second.ready) return;
      if (t.kind == Kind::Sleep) settle_wait(in, w->second, false, vm::Value(), ch);
      else
        settle_wait(in, w->second, true,
                    effects::make_error("timeout", fmt::format("event \"{}\" did not arrive", w->second.event)), ch);
      if (!in.row.operator_paused) advance(in, ch);  // else taken on resume
      break;
    }
    case Kind::InstanceTimeout:
      abort_instance(in, "timeout", "the workflow's @timeout expired", ch);
      break;
    case Kind::DeferredStart: {
      if (in.row.status != "queued") return;
      std::vector<vm::Value> args;
      std::string error;
      if (!vm::decode_values(*in.program, view(in.row.continuation), args, error)) args.clear();
      const bytecode::Workflow& w = in.program->module.workflows[in.workflow_index];
      auto m = std::make_unique<vm::Machine>(in.program, *this);
      in.row.status = "running";
      in.row.started_at = effects::wall_clock_ms();
      event(ch, in.row.id, "instance.status", {{"status", "running"}});
      log(in, ch, "instance", fmt::format("workflow {} started (deferred)", in.row.workflow));
      current_ = &in;
      current_changes_ = &ch;
      current_machine_ = m.get();
      const bool started = m->start(w.function, std::move(args));
      current_ = nullptr;
      current_changes_ = nullptr;
      current_machine_ = nullptr;
      if (started) {
        in.row.checkpoint = share(vm::snapshot(*m));
        advance(in, ch, std::move(m));
      } else {
        finish_instance(in, *m, ch);
      }
      break;
    }
    default: break;
  }
  commit(std::move(ch), nullptr);
}

}  // namespace wf::engine

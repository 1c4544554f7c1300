// The engine's timers: one libuv timer set to the earliest due entry of an ordered map. Sleeps,
// event, approval and step timeouts, @timeout, deferred starts, retry delays and long-poll deadlines
// all live here; each fires into the file of what it times. The durable ones are re-armed from
// the store by recovery.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "effects/workflow_policy.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"

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
  if (int rc = uv_timer_start(&timer_, on_timer, static_cast<uint64_t>(wait), 0); rc != 0)
    fmt::print(stderr, "wf serve: cannot arm the engine's timer: {}\n", uv_strerror(rc));
}

void Engine::on_timer(uv_timer_t* handle) { static_cast<Engine*>(handle->data)->fire_timers(); }

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
    case Kind::JobDue: retry_due(t.id, {t.org, t.host}); return;
    case Kind::ApprovalTimeout: expire_approval(t.id); return;
    default: break;
  }
  auto it = instances_.find(t.id);
  if (it == instances_.end()) return;
  Instance& in = *it->second;
  switch (t.kind) {
    case Kind::Sleep: wake(in, t.seq); return;
    case Kind::EventTimeout: event_timed_out(in, t.seq); return;
    case Kind::StepTimeout: step_timed_out(in, t.seq); return;
    case Kind::DeferredStart: start_deferred(in); return;
    case Kind::InstanceTimeout: {
      Changes ch;
      abort_instance(in, stdlib::ErrorKind::Timeout, effects::kWorkflowTimeoutMessage, ch);
      commit(std::move(ch), nullptr);
      return;
    }
    default: return;
  }
}

}  // namespace wf::engine

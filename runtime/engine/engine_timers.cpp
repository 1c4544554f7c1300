// The engine's timers: one libuv timer set to the earliest due entry of an ordered map. Sleeps,
// event, approval and step timeouts, @timeout, deferred starts, retry delays and long-poll deadlines
// all live here; each fires into the file of what it times. The durable ones are re-armed from
// the store by recovery.
//
// The map is keyed by the monotonic clock. A duration (a sleep, a timeout, a retry delay) is
// stored as its wall-clock deadline and armed for the time that remains, reckoned once; a step of
// the wall clock does not move it. An instant (`sleep until`, a deferred start) is re-reckoned
// whenever the wall clock is seen to have stepped. After a restart both are reckoned again from
// the wall clock, so a step made while the service was down counts.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/workflow_policy.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "runtime/log/log.h"

namespace wf::engine {

namespace {

// How far the wall clock may drift from the monotonic one between two looks before it counts as
// a step; NTP's slewing stays far below it.
constexpr int64_t kClockStepMs = 1000;
// How often the clock is looked at while an instant waits: a step is noticed within this long.
constexpr int64_t kClockLookMs = 1000;

}  // namespace

void Engine::arm(int64_t wall_due, Timer t) {
  t.wall_due = wall_due;
  if (t.instant) ++instants_armed_;
  timers_.emplace(monotonic_at(wall_due), std::move(t));
  reschedule_timer();
}

void Engine::arm_instant(int64_t wall_due, Timer t) {
  t.instant = true;
  arm(wall_due, std::move(t));
}

void Engine::notice_clock_step() {
  const int64_t wall = wall_now(), mono = monotonic_now();
  const int64_t offset = wall - mono, step = offset - clock_offset_;
  clock_offset_ = offset;
  if (step < kClockStepMs && step > -kClockStepMs) return;
  log::warn(fmt::format("the wall clock stepped by {:+} s; durations keep running, instants are due again by the new time", step / 1000));
  std::vector<Timer> instants;
  for (auto it = timers_.begin(); it != timers_.end();) {
    if (it->second.instant) {
      instants.push_back(std::move(it->second));
      it = timers_.erase(it);
    } else {
      ++it;
    }
  }
  for (Timer& t : instants) {
    const int64_t due = mono + (t.wall_due - wall);
    timers_.emplace(due, std::move(t));
  }
}

void Engine::reschedule_timer() {
  if (timers_.empty()) {
    uv_timer_stop(&timer_);
    return;
  }
  int64_t wait = std::max<int64_t>(0, timers_.begin()->first - monotonic_now());
  // While an instant waits, the clock is looked at often enough to notice a step.
  if (instants_armed_ > 0) wait = std::min(wait, kClockLookMs);
  if (int rc = uv_timer_start(&timer_, on_timer, static_cast<uint64_t>(wait), 0); rc != 0)
    log::error(fmt::format("cannot arm the engine's timer: {}", uv_strerror(rc)));
}

void Engine::on_timer(uv_timer_t* handle) { static_cast<Engine*>(handle->data)->fire_timers(); }

void Engine::fire_timers() {
  notice_clock_step();
  const int64_t now = monotonic_now();
  std::vector<Timer> due;
  while (!timers_.empty() && timers_.begin()->first <= now) {
    if (timers_.begin()->second.instant) --instants_armed_;
    due.push_back(std::move(timers_.begin()->second));
    timers_.erase(timers_.begin());
  }
  for (const Timer& t : due) {
    try {
      fire(t);
    } catch (const std::exception& e) {
      // Nothing may unwind into libuv; the instance stays as it was stored.
      log::error(fmt::format("a timer failed: {}", e.what()));
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
    case Kind::LeaseEnd: end_lease(t.org, t.id, t.host); return;
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
    case Kind::GoOn: go_on_after_reload(in.row.id); return;
    case Kind::InstanceTimeout: {
      in.timeout_fired = true;
      Changes ch;
      abort_instance(in, stdlib::ErrorKind::Timeout, effects::kWorkflowTimeoutMessage, ch);
      commit(std::move(ch), nullptr);
      return;
    }
    default: return;
  }
}

}  // namespace wf::engine

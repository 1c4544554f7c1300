// The engine's two clocks: the wall clock, which dates what is recorded and says when an instant
// (`sleep until`, a deferred start) has come, and the monotonic clock, on which every duration is
// measured — sleeps, timeouts, the staleness of jobs — so that a step of the wall clock (an NTP
// correction, an operator's `date -s`) neither fires a timer early nor holds one back.
#pragma once

#include <uv.h>

#include <cstdint>

#include "effects/clock.h"

namespace wf::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch; may step.
  virtual int64_t wall_ms() = 0;
  // Milliseconds from an arbitrary origin; never steps. Timers of the loop run on it.
  virtual int64_t monotonic_ms() = 0;
};

// The clock of the service: the system's wall clock and the loop's time, which libuv reads from
// CLOCK_MONOTONIC and on which its timers run. The loop's time is brought up to date first: libuv
// keeps the time its iteration began (or, before the loop runs, the time it was made — recovery
// may come long after), and a timer armed from a stale time would fire that much early.
class LoopClock final : public Clock {
 public:
  explicit LoopClock(uv_loop_t* loop) : loop_(loop) {}
  int64_t wall_ms() override { return effects::wall_clock_ms(); }
  int64_t monotonic_ms() override {
    uv_update_time(loop_);
    return static_cast<int64_t>(uv_now(loop_));
  }

 private:
  uv_loop_t* loop_;
};

}  // namespace wf::engine

// The engine under steps of the wall clock: durations (sleeps, approval timeouts) run on the
// monotonic clock whatever the wall clock does, and an instant (`sleep until`) is due by the wall
// clock as it now reads.
#include <chrono>

#include <gtest/gtest.h>

#include "tests/runtime/engine/engine_harness.h"

namespace wf::engine::testing {
namespace {

using namespace std::chrono_literals;
constexpr int64_t kHour = 3600 * 1000;

TEST(ClockStep, AForwardStepDoesNotCutASleepShort) {
  EngineHarness h(R"(
workflow nap() -> string {
  sleep 2s
  return "slept"
}
)");
  ASSERT_EQ(h.error(), "");
  const auto began = std::chrono::steady_clock::now();
  const int64_t id = h.start();
  ASSERT_GT(id, 0);
  ASSERT_TRUE(h.turn_until([&] { return h.stored_status(id) == "paused"; }));
  h.clock().offset_ms = kHour;
  // Anything that arms a timer after the step (here a second instance's sleep) makes the engine
  // look at its timers again.
  ASSERT_GT(h.start(), 0);
  h.turn_for(1000ms);
  EXPECT_EQ(h.engine().status_of(id).status, "paused");
  EXPECT_EQ(h.stored_status(id), "paused");
  ASSERT_TRUE(h.turn_until([&] { return h.stored_status(id) == "completed"; }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - began, 1900ms);
}

TEST(ClockStep, AForwardStepDoesNotExpireAnApprovalEarly) {
  EngineHarness h(R"(
workflow gate() -> bool {
  let a = approve "Go ahead?" timeout 2s
  return a.approved
}
)");
  ASSERT_EQ(h.error(), "");
  const auto began = std::chrono::steady_clock::now();
  const int64_t id = h.start();
  ASSERT_GT(id, 0);
  ASSERT_TRUE(h.turn_until([&] { return h.approval_status(1) == "pending"; }));
  h.clock().offset_ms = kHour;
  ASSERT_GT(h.start(), 0);  // a second request arms its timeout after the step
  h.turn_for(1000ms);
  EXPECT_EQ(h.approval_status(1), "pending");
  ASSERT_TRUE(h.turn_until([&] { return h.approval_status(1) == "expired"; }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - began, 1900ms);
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(id) == "completed"; }));
}

TEST(ClockStep, ABackwardStepDoesNotHoldASleepBack) {
  EngineHarness h(R"(
workflow nap() -> string {
  sleep 1500ms
  return "slept"
}
)");
  ASSERT_EQ(h.error(), "");
  const int64_t id = h.start();
  ASSERT_GT(id, 0);
  ASSERT_TRUE(h.turn_until([&] { return h.stored_status(id) == "paused"; }));
  h.clock().offset_ms = -kHour;
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(id) == "completed"; }, 5s));
}

TEST(ClockStep, AnInstantTheStepPassesIsDueAtOnce) {
  EngineHarness h(R"(
workflow wake_up() -> string {
  sleep until now() + 30m
  return "woke"
}
)");
  ASSERT_EQ(h.error(), "");
  const int64_t id = h.start();
  ASSERT_GT(id, 0);
  ASSERT_TRUE(h.turn_until([&] { return h.stored_status(id) == "paused"; }));
  h.turn_for(300ms);
  EXPECT_EQ(h.stored_status(id), "paused");
  // Half an hour ahead is in the past once the clock reads an hour later; nothing else arms a
  // timer, so the engine notices the step by itself.
  h.clock().offset_ms = kHour;
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(id) == "completed"; }, 4s));
}

}  // namespace
}  // namespace wf::engine::testing

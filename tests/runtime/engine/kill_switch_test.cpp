// The kill switch in the engine (SPEC §4.6): while an organization's automation is paused, an
// instance a webhook started does not begin its next effect and is paused with reason
// `kill_switch`, a manual one runs on, and resuming begins the withheld effect; the switch and
// the held instance survive a restart.
#include <chrono>

#include <gtest/gtest.h>

#include "runtime/store/instances.h"
#include "tests/runtime/engine/engine_harness.h"

namespace wf::engine::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTwoSleeps = R"(
workflow two_sleeps() -> string {
  sleep 300ms
  sleep 300ms
  return "done"
}
)";

// Flips the switch and waits for its unit to commit.
void flip(EngineHarness& h, bool paused, const std::string& reason = "") {
  Heard heard;
  const OpResult r = h.engine().set_automation(kOrg, paused, "alice", reason, heard.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  ASSERT_TRUE(h.turn_until([&] { return heard.called; }));
  ASSERT_TRUE(heard.ok) << heard.error;
}

std::optional<store::InstanceRow> stored(EngineHarness& h, int64_t id) {
  auto row = store::instances::find(h.reader(), kOrg, id);
  if (!row.ok() || !*row) return std::nullopt;
  return **row;
}

// Whether the stored row says the kill switch holds the instance (`paused` alone may be a sleep).
bool held(EngineHarness& h, int64_t id) {
  auto row = stored(h, id);
  return row && row->status == store::InstanceStatus::Paused && row->pause_reason == store::PauseReason::KillSwitch;
}

bool logged(EngineHarness& h, int64_t id, const std::string& text) {
  auto log = store::instances::log(h.reader(), id, 0);
  if (!log.ok()) return false;
  for (const store::LogRow& l : *log)
    if (l.message.find(text) != std::string::npos) return true;
  return false;
}

TEST(KillSwitch, AnAutomaticInstancePausesAtItsNextEffectWhileAManualOneRunsOnAndResumeContinuesIt) {
  EngineHarness h(kTwoSleeps);
  ASSERT_EQ(h.error(), "");
  const int64_t automatic = h.start(Trigger::Webhook);
  const int64_t manual = h.start(Trigger::Manual);
  ASSERT_GT(automatic, 0);
  ASSERT_GT(manual, 0);
  EXPECT_FALSE(h.engine().automation_paused(kOrg));

  flip(h, true, "bad deploy in progress");
  EXPECT_TRUE(h.engine().automation_paused(kOrg));
  const auto now = h.engine().automation_switch(kOrg);
  ASSERT_TRUE(now);
  EXPECT_TRUE(now->paused);
  EXPECT_EQ(now->changed_by, "alice");
  EXPECT_EQ(now->reason, "bad deploy in progress");
  // Flipped again the same way: refused.
  EXPECT_EQ(h.engine().set_automation(kOrg, true, "bob", "again", nullptr).outcome, Outcome::Conflict);

  // The manual instance goes through both sleeps; the automatic one finishes the sleep it had
  // begun and is held before the second.
  ASSERT_TRUE(h.turn_until([&] { return h.stored_status(manual) == "completed"; }));
  ASSERT_TRUE(h.turn_until([&] { return held(h, automatic); }));
  auto row = stored(h, automatic);
  ASSERT_TRUE(row);
  ASSERT_TRUE(row->pause_reason);
  EXPECT_EQ(store::name(*row->pause_reason), "kill_switch");
  EXPECT_TRUE(row->kill_switch_paused);
  EXPECT_EQ(h.engine().status_of(automatic).pause_reason, "kill_switch");
  EXPECT_TRUE(logged(h, automatic, "paused by the kill switch: sleep"));
  // It stays held: well past the second sleep's end, nothing went on.
  h.turn_for(800ms);
  EXPECT_TRUE(held(h, automatic));

  flip(h, false);
  EXPECT_FALSE(h.engine().automation_paused(kOrg));
  ASSERT_TRUE(h.turn_until([&] { return h.stored_status(automatic) == "completed"; }));
  EXPECT_TRUE(logged(h, automatic, "automation resumed: sleep"));
  auto done = stored(h, automatic);
  ASSERT_TRUE(done);
  EXPECT_FALSE(done->kill_switch_paused);
  EXPECT_EQ(done->result, "\"done\"");
  EXPECT_EQ(h.engine().set_automation(kOrg, false, "alice", "", nullptr).outcome, Outcome::Conflict);
}

TEST(KillSwitch, TheSwitchAndTheHeldInstanceSurviveARestart) {
  std::filesystem::path dir;
  int64_t automatic = 0;
  {
    EngineHarness h(kTwoSleeps);
    ASSERT_EQ(h.error(), "");
    h.keep_store = true;
    dir = h.dir();
    automatic = h.start(Trigger::Schedule);
    ASSERT_GT(automatic, 0);
    flip(h, true, "maintenance window");
    ASSERT_TRUE(h.turn_until([&] { return held(h, automatic); }));
  }
  EngineHarness h(kTwoSleeps, 1000, dir);
  ASSERT_EQ(h.error(), "");
  EXPECT_TRUE(h.engine().automation_paused(kOrg));
  const auto now = h.engine().automation_switch(kOrg);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->reason, "maintenance window");
  EXPECT_EQ(h.engine().status_of(automatic).pause_reason, "kill_switch");
  // Recovered, the withheld sleep has not begun.
  h.turn_for(800ms);
  EXPECT_TRUE(held(h, automatic));
  flip(h, false);
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(automatic) == "completed"; }));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

constexpr const char* kParentAndChild = R"(
workflow parent() -> string {
  return nap()
}

workflow nap() -> string {
  sleep 300ms
  sleep 300ms
  return "rested"
}
)";

TEST(KillSwitch, AChildCountsAsItsParentWasStarted) {
  EngineHarness h(kParentAndChild);
  ASSERT_EQ(h.error(), "");
  // Ids in start order: each parent's child is made in the parent's first transition.
  const int64_t automatic = h.start(Trigger::Webhook);
  const int64_t manual = h.start(Trigger::Manual);
  ASSERT_EQ(automatic, 1);
  ASSERT_EQ(manual, 3);
  const int64_t automatic_child = 2, manual_child = 4;
  ASSERT_EQ(stored(h, automatic_child)->parent_id, automatic);
  ASSERT_EQ(stored(h, manual_child)->parent_id, manual);
  flip(h, true, "children too");
  ASSERT_TRUE(h.turn_until([&] { return h.stored_status(manual) == "completed"; }));
  EXPECT_EQ(h.stored_status(manual_child), "completed");
  ASSERT_TRUE(h.turn_until([&] { return held(h, automatic_child); }));
  EXPECT_EQ(h.stored_status(automatic), "running");  // it waits for its child, which is held
  flip(h, false);
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(automatic) == "completed"; }));
}

TEST(KillSwitch, ACancelOfAHeldInstanceEndsIt) {
  EngineHarness h(kTwoSleeps);
  ASSERT_EQ(h.error(), "");
  const int64_t automatic = h.start(Trigger::Alert);
  ASSERT_GT(automatic, 0);
  flip(h, true, "storm of alerts");
  ASSERT_TRUE(h.turn_until([&] { return held(h, automatic); }));
  Heard heard;
  ASSERT_EQ(h.engine().cancel(kOrg, automatic, heard.done()).outcome, Outcome::Ok);
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(automatic) == "cancelled"; }));
}

constexpr const char* kCleanupAfterCancel = R"(
workflow cleans_up() {
  try {
    sleep 60s
  } finally {
    sleep 300ms
    sleep 300ms
    log "cleaned up"
  }
}
)";

// What the finally blocks of a cancelled instance ask for is never withheld, also after a restart
// in the middle of them: the instance still knows it is being stopped.
TEST(KillSwitch, TheCleanupOfACancelledInstanceGoesOnAfterARestart) {
  std::filesystem::path dir;
  int64_t automatic = 0;
  {
    EngineHarness h(kCleanupAfterCancel);
    ASSERT_EQ(h.error(), "");
    h.keep_store = true;
    dir = h.dir();
    automatic = h.start(Trigger::Webhook);
    ASSERT_GT(automatic, 0);
    ASSERT_TRUE(h.turn_until([&] { return h.stored_status(automatic) == "paused"; }));  // in its 60 s sleep
    flip(h, true, "incident");
    Heard heard;
    ASSERT_EQ(h.engine().cancel(kOrg, automatic, heard.done()).outcome, Outcome::Ok);
    ASSERT_TRUE(h.turn_until([&] { return heard.called; }));
    ASSERT_TRUE(heard.ok) << heard.error;
    EXPECT_FALSE(held(h, automatic));  // its first cleanup sleep has begun
  }
  EngineHarness h(kCleanupAfterCancel, 1000, dir);
  ASSERT_EQ(h.error(), "");
  EXPECT_TRUE(h.engine().automation_paused(kOrg));
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(automatic) == "cancelled" || held(h, automatic); }, 5s));
  EXPECT_EQ(h.stored_status(automatic), "cancelled");
  EXPECT_TRUE(logged(h, automatic, "cleaned up"));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace wf::engine::testing

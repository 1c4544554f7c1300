// A unit that does not commit leaves the engine's memory as the store has it: the operation's
// caller hears the failure, and the same operation can be made again — never refused as if it
// had happened — and succeeds once the store takes writes again.
#include <chrono>

#include <gtest/gtest.h>

#include "runtime/store/instances.h"
#include "tests/runtime/engine/engine_harness.h"

namespace wf::engine::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kGate = R"(
workflow gate() -> string {
  approve "Go ahead?"
  return "done"
}
)";

TEST(CommitFailure, AnAnswerNotStoredLeavesTheApprovalPendingAndCanBeGivenAgain) {
  EngineHarness h(kGate);
  ASSERT_EQ(h.error(), "");
  const int64_t id = h.start();
  ASSERT_GT(id, 0);
  ASSERT_TRUE(h.turn_until([&] { return h.approval_status(1) == "pending"; }));

  h.commits_fail = true;
  Heard heard;
  OpResult r = h.engine().respond(kOrg, 1, {"admin", true, "", "api", "", false}, heard.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  ASSERT_TRUE(h.turn_until([&] { return heard.called; }));
  EXPECT_FALSE(heard.ok);
  EXPECT_NE(heard.error.find("disk is full"), std::string::npos) << heard.error;
  // Memory is as the store has it: the instance waits for its approval.
  EXPECT_EQ(h.engine().status_of(id).status, "paused");
  EXPECT_EQ(h.stored_status(id), "paused");

  // Asked again while the store still fails: the same failure, not "already decided".
  r = h.engine().respond(kOrg, 1, {"admin", true, "", "api", "", false}, heard.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  ASSERT_TRUE(h.turn_until([&] { return heard.called; }));
  EXPECT_FALSE(heard.ok);
  // Nor is a cancel refused as if the instance had ended.
  r = h.engine().cancel(kOrg, id, heard.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  ASSERT_TRUE(h.turn_until([&] { return heard.called; }));
  EXPECT_FALSE(heard.ok);
  EXPECT_EQ(h.engine().status_of(id).status, "paused");

  // The store takes writes again: the answer goes through and the instance completes.
  h.commits_fail = false;
  r = h.engine().respond(kOrg, 1, {"admin", true, "", "api", "", false}, heard.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  ASSERT_TRUE(h.turn_until([&] { return heard.called; }));
  EXPECT_TRUE(heard.ok) << heard.error;
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(id) == "completed"; }));
  EXPECT_EQ(h.approval_status(1), "approved");
  // Only the answer that was stored is in the approval's history.
  auto responses = store::approvals::responses(h.reader(), 1);
  ASSERT_TRUE(responses.ok());
  EXPECT_EQ(responses->size(), 1u);
}

TEST(CommitFailure, ACancelNotStoredLeavesTheInstanceLive) {
  EngineHarness h(kGate);
  ASSERT_EQ(h.error(), "");
  const int64_t id = h.start();
  ASSERT_GT(id, 0);
  ASSERT_TRUE(h.turn_until([&] { return h.approval_status(1) == "pending"; }));

  h.commits_fail = true;
  Heard heard;
  OpResult r = h.engine().cancel(kOrg, id, heard.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  ASSERT_TRUE(h.turn_until([&] { return heard.called; }));
  EXPECT_FALSE(heard.ok);
  EXPECT_EQ(h.engine().status_of(id).status, "paused");
  EXPECT_EQ(h.engine().live_instances(), 1u);

  h.commits_fail = false;
  r = h.engine().cancel(kOrg, id, heard.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  ASSERT_TRUE(h.turn_until([&] { return heard.called; }));
  EXPECT_TRUE(heard.ok) << heard.error;
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(id) == "cancelled"; }));
  EXPECT_EQ(h.approval_status(1), "cancelled");
}

TEST(CommitFailure, AStartNotStoredLeavesNothingLive) {
  EngineHarness h(kGate);
  ASSERT_EQ(h.error(), "");
  h.commits_fail = true;
  EXPECT_EQ(h.start(), 0);  // its commit failed
  EXPECT_TRUE(h.turn_until([&] { return h.engine().live_instances() == 0; }));
  h.commits_fail = false;
  const int64_t id = h.start();
  ASSERT_GT(id, 0);
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(id) == "paused"; }));
  EXPECT_EQ(h.engine().live_instances(), 1u);
}

// A unit made on top of one that then fails (here before the loop heard of the failure) must not
// commit on its own: it would store an answer to an approval the store never had.
TEST(CommitFailure, AUnitBuiltOnOneThatFailedFailsToo) {
  EngineHarness h(R"(
workflow two_gates() -> string {
  approve "First?"
  approve "Second?"
  return "done"
}
)", 1);  // each unit in a transaction of its own: only the first one's COMMIT fails
  ASSERT_EQ(h.error(), "");
  const int64_t id = h.start();
  ASSERT_GT(id, 0);
  ASSERT_TRUE(h.turn_until([&] { return h.approval_status(1) == "pending"; }));

  h.commits_to_fail = 1;
  Heard first, second;
  // The first answer moves the instance on to the second approval, in memory at once; the second
  // answer is made on that before the first one's failure comes back.
  OpResult r = h.engine().respond(kOrg, 1, {"admin", true, "", "api", "", false}, first.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  r = h.engine().respond(kOrg, 2, {"admin", true, "", "api", "", false}, second.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  ASSERT_TRUE(h.turn_until([&] { return first.called && second.called; }));
  EXPECT_FALSE(first.ok);
  EXPECT_FALSE(second.ok);
  EXPECT_NE(second.error.find("earlier change"), std::string::npos) << second.error;
  EXPECT_EQ(h.commits_to_fail.load(), 0);  // only the first unit's COMMIT was made to fail
  EXPECT_EQ(h.stored_status(id), "paused");
  EXPECT_EQ(h.approval_status(1), "pending");
  EXPECT_EQ(h.approval_status(2), "");  // never stored
  auto responses = store::approvals::responses(h.reader(), 2);
  ASSERT_TRUE(responses.ok());
  EXPECT_TRUE(responses->empty());
  EXPECT_EQ(h.engine().status_of(id).status, "paused");

  // Both answers again, one at a time: the instance completes.
  r = h.engine().respond(kOrg, 1, {"admin", true, "", "api", "", false}, first.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  ASSERT_TRUE(h.turn_until([&] { return first.called; }));
  EXPECT_TRUE(first.ok) << first.error;
  ASSERT_TRUE(h.turn_until([&] { return h.approval_status(3) == "pending"; }));
  r = h.engine().respond(kOrg, 3, {"admin", true, "", "api", "", false}, second.done());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  ASSERT_TRUE(h.turn_until([&] { return second.called; }));
  EXPECT_TRUE(second.ok) << second.error;
  EXPECT_TRUE(h.turn_until([&] { return h.stored_status(id) == "completed"; }));
}

}  // namespace
}  // namespace wf::engine::testing

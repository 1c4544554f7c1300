// The effect layer's rules, independent of any host: approval quorums (SPEC §1.6) including the
// timeout that auto-rejects, the run effect's retries (only failures that can pass) and canary
// batches; and an aborted instance (cancel, @timeout) still running its finally blocks and
// checking its credential back in.
#include <gtest/gtest.h>

#include "effects/approval_state.h"
#include "effects/records.h"
#include "effects/run_state.h"
#include "lower/compile.h"
#include "vm/machine.h"
#include "vm/render.h"
#include "vm/shape.h"

namespace {

using namespace wf;
using stdlib::ErrorKind;
using vm::Value;

Value approver(const std::string& kind, const std::string& name) { return vm::make_approver(kind, name); }

Value args(const std::string& quorum, std::vector<Value> by, bool statement = false) {
  std::vector<std::string> names = {"title", "by", "quorum", "timeout", "statement"};
  return vm::make_record(vm::Shape::intern(names), {vm::make_string("Deploy?"), vm::make_list(std::move(by)),
                                                    vm::make_string(quorum), Value::duration(3'600'000),
                                                    Value::boolean(statement)});
}

TEST(Approval, OneOfManyIsDecidedByTheFirstAnswer) {
  effects::ApprovalState a(args("one_of_many", {approver("role", "ops")}));
  EXPECT_TRUE(a.respond("alice", true, "ok", "cli"));
  EXPECT_TRUE(effects::field_bool(a.approval(), "approved"));
  effects::ApprovalState b(args("one_of_many", {approver("role", "ops")}));
  EXPECT_TRUE(b.respond("bob", false, "", "api"));
  EXPECT_EQ(effects::field_string(b.approval(), "decision"), "rejected");
}

TEST(Approval, TwoOfManyNeedsTwoAndRejectsWhenImpossible) {
  effects::ApprovalState a(args("two_of_many", {approver("user", "a"), approver("user", "b"), approver("user", "c")}));
  EXPECT_FALSE(a.respond("a", true, "", "cli"));
  EXPECT_FALSE(a.respond("a", true, "", "cli"));  // the same person twice counts once
  EXPECT_TRUE(a.respond("b", true, "", "cli"));
  EXPECT_TRUE(effects::field_bool(a.approval(), "approved"));
  effects::ApprovalState r(args("two_of_many", {approver("user", "a"), approver("user", "b"), approver("user", "c")}));
  EXPECT_FALSE(r.respond("a", false, "", "cli"));  // two may still approve
  EXPECT_TRUE(r.respond("b", false, "", "cli"));   // now only one can: impossible
  EXPECT_EQ(effects::field_string(r.approval(), "decision"), "rejected");
}

TEST(Approval, AllAndMajority) {
  const std::vector<Value> three = {approver("user", "a"), approver("user", "b"), approver("user", "c")};
  effects::ApprovalState all(args("all", three));
  EXPECT_FALSE(all.respond("a", true, "", "cli"));
  EXPECT_FALSE(all.respond("b", true, "", "cli"));
  EXPECT_TRUE(all.respond("c", true, "", "cli"));
  EXPECT_TRUE(effects::field_bool(all.approval(), "approved"));
  effects::ApprovalState veto(args("all", three));
  EXPECT_TRUE(veto.respond("a", false, "", "cli"));  // any reject decides `all`
  effects::ApprovalState majority(args("majority", three));
  EXPECT_FALSE(majority.respond("a", true, "", "cli"));
  EXPECT_TRUE(majority.respond("b", true, "", "cli"));
  EXPECT_TRUE(effects::field_bool(majority.approval(), "approved"));
}

TEST(Approval, TimeoutExpiresAsARejection) {
  effects::ApprovalState a(args("one_of_many", {}, true));
  a.expire();
  const Value approval = a.approval();
  EXPECT_FALSE(effects::field_bool(approval, "approved"));
  EXPECT_TRUE(effects::field_bool(approval, "timed_out"));
  EXPECT_EQ(effects::field_string(approval, "decision"), "expired");
  // The statement form raises `rejected` for an expiry too.
  EXPECT_EQ(effects::field_string(a.rejection(), "kind"), "rejected");
}

Value run_args(int hosts, int64_t retry, bool allow_failure, bool canary) {
  std::vector<Value> targets;
  for (int i = 0; i < hosts; ++i) targets.push_back(vm::make_string("h" + std::to_string(i)));
  std::vector<std::string> names = {"on", "retry", "every", "backoff", "allow_failure", "canary"};
  return vm::make_record(vm::Shape::intern(names),
                         {vm::make_list(std::move(targets)), Value::integer(retry), Value::duration(1000),
                          Value::real(2.0), Value::boolean(allow_failure), Value::boolean(canary)});
}

effects::JobOutcomeRecord outcome(const std::string& host, int exit_code, const std::string& status = "") {
  return {host, status.empty() ? (exit_code == 0 ? "completed" : "failed") : status, exit_code, "", "", 5, 1};
}

TEST(RunEffect, RetriesOnlyFailuresThatCanPassWithBackoff) {
  effects::RunState s(run_args(2, 2, false, false), std::nullopt);
  EXPECT_EQ(s.start().size(), 2u);
  s.record(0, outcome("h0", 1), true);             // a non-zero exit may pass on a retry
  s.record(1, outcome("h1", -1, "config"), false);  // a config error never does
  auto next = s.next();
  ASSERT_EQ(next.kind, effects::RunState::Next::Kind::Dispatch);
  EXPECT_EQ(next.hosts, std::vector<size_t>{0});
  EXPECT_EQ(next.delay_ms, 1000);
  s.record(0, outcome("h0", 1), true);
  next = s.next();
  ASSERT_EQ(next.kind, effects::RunState::Next::Kind::Dispatch);
  EXPECT_EQ(next.delay_ms, 2000);  // every × backoff
  s.record(0, outcome("h0", 0), true);
  next = s.next();
  ASSERT_EQ(next.kind, effects::RunState::Next::Kind::Done);
  ASSERT_TRUE(next.failed);  // h1's config error remains, and there is no allow_failure
  EXPECT_EQ(effects::field_string(next.value, "kind"), "job_failed");
}

TEST(RunEffect, CanaryBatchDecidesTheRest) {
  effects::CanaryPolicy policy{25, 100};
  effects::RunState ok(run_args(8, 0, false, true), policy);
  EXPECT_EQ(ok.start().size(), 2u);  // ceil(25% of 8)
  ok.record(0, outcome("h0", 0), true);
  ok.record(1, outcome("h1", 0), true);
  auto next = ok.next();
  ASSERT_EQ(next.kind, effects::RunState::Next::Kind::Dispatch);
  EXPECT_EQ(next.hosts.size(), 6u);
  effects::RunState bad(run_args(8, 0, false, true), policy);
  bad.start();
  bad.record(0, outcome("h0", 0), true);
  bad.record(1, outcome("h1", 3), true);
  next = bad.next();
  ASSERT_EQ(next.kind, effects::RunState::Next::Kind::Done);
  EXPECT_EQ(effects::field_string(next.value, "kind"), "canary_failed");
}

// A host that answers checkouts and records what it is asked.
class RecordingHost : public vm::Host {
 public:
  std::vector<std::string> log;
  int64_t now_ms() override { return 0; }
  Value localhost() override { return {}; }
  Value env(std::string_view) override { return {}; }
  void on_log(uint32_t, const std::string& m) override { log.push_back("log " + m); }
  void on_step(uint32_t, const Value&, vm::StepEvent) override {}
  void on_condition(uint32_t, const std::string&, bool) override {}
};

TEST(Abort, FinallyBlocksAndCheckinsStillRun) {
  CompileResult c = compile_text("abort.wf", R"(
workflow w(targets: hosts) {
  try {
    checkout db = pam "db_admin" reason "maintenance" {
      sleep 1h
    }
  } catch e {
    log "caught {{e.kind}}"
  } finally {
    log "finally ran"
  }
}
)");
  ASSERT_TRUE(c.module) << c.error;
  std::string error;
  auto program = vm::load_program(*c.module, error);
  ASSERT_TRUE(program) << error;
  RecordingHost host;
  vm::Machine m(program, host);
  ASSERT_TRUE(m.start(program->module.workflows[0].function, {vm::make_list({})}));
  std::vector<bytecode::EffectKind> seen;
  bool aborted = false;
  for (int round = 0; round < 10; ++round) {
    const vm::Status s = m.run(1'000'000);
    if (s == vm::Status::Completed || s == vm::Status::Failed) break;
    for (const vm::EffectRequest& r : m.take_effects()) {
      seen.push_back(r.kind);
      if (r.kind == bytecode::EffectKind::Checkout) {
        m.resume(r.fiber, r.seq, effects::make_builtin("credential", {{"session", vm::make_string("s1")}}));
      } else if (r.kind == bytecode::EffectKind::Sleep && !aborted) {
        // The instance is cancelled while it sleeps: nothing may catch it.
        aborted = true;
        m.abort(effects::make_error(ErrorKind::Cancelled, "the operator cancelled the instance"));
      } else {
        m.resume(r.fiber, r.seq, Value());
      }
    }
  }
  ASSERT_EQ(m.status(), vm::Status::Failed);
  EXPECT_EQ(effects::field_string(m.error(), "kind"), "cancelled");
  const std::vector<bytecode::EffectKind> expected = {bytecode::EffectKind::Checkout, bytecode::EffectKind::Sleep,
                                                      bytecode::EffectKind::Checkin};
  EXPECT_EQ(seen, expected);  // checked back in on the way out
  EXPECT_EQ(host.log, std::vector<std::string>{"log finally ran"});  // the catch did not run
}

}  // namespace

// Upgrading a waiting instance (SPEC §4.11) at the VM's level: the module records each workflow's
// top-level steps with the variables live at their entry and their types; the rule refuses a move
// with the reason; a move restarts the step in the new code with the checkpoint's values.
#include <gtest/gtest.h>

#include <algorithm>

#include "bytecode/module_codec.h"
#include "effects/approval_state.h"
#include "effects/records.h"
#include "lower/compile.h"
#include "vm/continuation.h"
#include "vm/machine.h"
#include "vm/render.h"
#include "vm/upgrade.h"

namespace {

using namespace wf;

// Version 1: waits at an approval inside step "Approve".
constexpr const char* kVersion1 = R"(
workflow release(env: string) -> string {
  var retries = 3
  let owner = "ops"
  step "Prepare" {
    retries = retries + 1
    let inner = 5
    log "prepared {{inner}}"
  }
  step "Approve" {
    approve "Ship it?"
  }
  return "v1 {{env}} {{owner}} {{retries}}"
}
)";

// Version 2: a step before "Approve", the approval reworded, another result.
constexpr const char* kVersion2 = R"(
workflow release(env: string) -> string {
  var retries = 3
  let owner = "ops"
  step "Prepare" {
    retries = retries + 1
  }
  step "Check" {
    log "checked"
  }
  step "Approve" {
    approve "Ship {{env}} now?"
  }
  return "v2 {{env}} {{owner}} {{retries}}"
}
)";

bytecode::Module compile(const char* text) {
  CompileResult c = compile_text("release.wf", text);
  EXPECT_TRUE(c.module) << c.error;
  return c.module ? *c.module : bytecode::Module{};
}

// Keeps the checkpoint of the step named `at` and records every approval's title.
class UpgradeHost : public vm::Host {
 public:
  vm::Machine* machine = nullptr;
  std::string at = "Approve";
  std::vector<uint8_t> checkpoint;
  std::vector<std::string> titles, logs;
  int64_t now_ms() override { return 0; }
  vm::Value localhost() override { return {}; }
  vm::Value env(std::string_view) override { return {}; }
  void on_log(uint32_t, const std::string& m) override { logs.push_back(m); }
  void on_condition(uint32_t, const std::string&, bool) override {}
  void on_step(uint32_t, const vm::Value& info, vm::StepEvent event) override {
    if (event == vm::StepEvent::Enter && effects::field_string(info, "name") == at) checkpoint = vm::snapshot(*machine);
  }
};

// Runs until the machine waits; the effects it asked for are returned.
std::vector<vm::EffectRequest> run_until_waiting(vm::Machine& m, UpgradeHost& host) {
  m.run(1'000'000);
  auto effects = m.take_effects();
  for (const auto& r : effects)
    if (r.kind == bytecode::EffectKind::Approve) host.titles.push_back(effects::ApprovalState(r.args).title());
  return effects;
}

vm::ContinuationData checkpoint_at_approval(const bytecode::Module& module, UpgradeHost& host) {
  std::string error;
  auto program = vm::load_program(module, error);
  EXPECT_TRUE(program) << error;
  vm::Machine m(program, host);
  host.machine = &m;
  EXPECT_TRUE(m.start(program->module.workflows[0].function, {vm::make_string("prod")}));
  EXPECT_EQ(run_until_waiting(m, host).size(), 1u);
  host.machine = nullptr;
  auto decoded = vm::decode_continuation(host.checkpoint);
  EXPECT_TRUE(decoded.ok()) << decoded.error();
  return decoded.ok() ? decoded.data() : vm::ContinuationData{};
}

TEST(UpgradeSteps, TheModuleRecordsTopLevelStepsWithTheirLiveVariables) {
  const bytecode::Module m = compile(kVersion2);
  ASSERT_EQ(m.workflows.size(), 1u);
  const auto& steps = m.workflows[0].steps;
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].name, "Prepare");
  EXPECT_EQ(steps[1].name, "Check");
  EXPECT_EQ(steps[2].name, "Approve");
  for (const auto& s : steps) {
    EXPECT_LT(s.entry, s.open_pc);
    ASSERT_EQ(s.variables.size(), 2u) << s.name;
    EXPECT_EQ(s.variables[0].name, "retries");
    EXPECT_EQ(s.variables[0].type, "int");
    EXPECT_EQ(s.variables[1].name, "owner");
    EXPECT_EQ(s.variables[1].type, "string");
  }
  // The module round-trips with its steps.
  auto decoded = bytecode::decode_module(bytecode::encode_module(m));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.module(), m);
}

TEST(UpgradeSteps, NestedStepsAndComputedNamesAreNotRecorded) {
  const bytecode::Module m = compile(R"(
workflow w(n: int) {
  let label = "x"
  if n > 0 {
    step "Inner" { log "in" }
  }
  step "Outer {{label}}" { log "computed" }
  step "Top" {
    step "Nested" { log "nested" }
  }
}
)");
  ASSERT_EQ(m.workflows.size(), 1u);
  ASSERT_EQ(m.workflows[0].steps.size(), 1u);
  EXPECT_EQ(m.workflows[0].steps[0].name, "Top");
  // A workflow without top-level steps encodes as before (six items), and still decodes.
  const bytecode::Module plain = compile("workflow p() { log \"no steps\" }\n");
  ASSERT_TRUE(plain.workflows[0].steps.empty());
  auto decoded = bytecode::decode_module(bytecode::encode_module(plain));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.module(), plain);
}

TEST(UpgradeRule, AStepOfTheSameNameWithTheSameVariablesMayMove) {
  const bytecode::Module v1 = compile(kVersion1), v2 = compile(kVersion2);
  UpgradeHost host;
  const vm::ContinuationData checkpoint = checkpoint_at_approval(v1, host);
  EXPECT_EQ(vm::upgrade_refusal({v1, 1, v2, 2, "release", "Approve"}, checkpoint), "");
}

TEST(UpgradeRule, NoStepOfThatNameInTheNewVersion) {
  const bytecode::Module v1 = compile(kVersion1);
  std::string renamed = kVersion2;
  renamed.replace(renamed.find("step \"Approve\""), 14, "step \"Sign off\"");
  const bytecode::Module v3 = compile(renamed.c_str());
  UpgradeHost host;
  const vm::ContinuationData checkpoint = checkpoint_at_approval(v1, host);
  EXPECT_EQ(vm::upgrade_refusal({v1, 2, v3, 3, "release", "Approve"}, checkpoint), "no step \"Approve\" in version 3");
}

TEST(UpgradeRule, AVariableOfAnotherTypeIsRefused) {
  const bytecode::Module v1 = compile(kVersion1);
  std::string retyped = kVersion2;
  retyped.replace(retyped.find("var retries = 3"), 15, "var retries = \"3\"");
  retyped.replace(retyped.find("retries = retries + 1"), 21, "retries = retries + \"1\"");
  const bytecode::Module v3 = compile(retyped.c_str());
  UpgradeHost host;
  const vm::ContinuationData checkpoint = checkpoint_at_approval(v1, host);
  EXPECT_EQ(vm::upgrade_refusal({v1, 2, v3, 3, "release", "Approve"}, checkpoint),
            "variable retries: int in version 2, string in version 3");
}

TEST(UpgradeRule, AVariableTheCheckpointDoesNotHaveIsRefused) {
  const bytecode::Module v1 = compile(kVersion1);
  std::string added = kVersion2;
  added.replace(added.find("let owner = \"ops\""), 17, "let owner = \"ops\"\n  let region = \"eu\"");
  const bytecode::Module v3 = compile(added.c_str());
  UpgradeHost host;
  const vm::ContinuationData checkpoint = checkpoint_at_approval(v1, host);
  EXPECT_EQ(vm::upgrade_refusal({v1, 2, v3, 3, "release", "Approve"}, checkpoint),
            "variable region (live at step \"Approve\" in version 3) is not in version 2");
}

TEST(UpgradeRule, AParameterOfAnotherTypeIsRefused) {
  const bytecode::Module v1 = compile(kVersion1);
  std::string retyped = kVersion2;
  retyped.replace(retyped.find("env: string"), 11, "env: int");
  const bytecode::Module v3 = compile(retyped.c_str());
  UpgradeHost host;
  const vm::ContinuationData checkpoint = checkpoint_at_approval(v1, host);
  EXPECT_EQ(vm::upgrade_refusal({v1, 2, v3, 3, "release", "Approve"}, checkpoint),
            "parameter env: string in version 2, int in version 3");
}

TEST(UpgradeRule, ACheckpointOfAnotherStepIsRefused) {
  const bytecode::Module v1 = compile(kVersion1), v2 = compile(kVersion2);
  UpgradeHost host;
  host.at = "Prepare";
  const vm::ContinuationData checkpoint = checkpoint_at_approval(v1, host);
  EXPECT_EQ(vm::upgrade_refusal({v1, 1, v2, 2, "release", "Approve"}, checkpoint),
            "the last checkpoint was not taken as step \"Approve\" began");
}

TEST(UpgradeMove, TheStepRestartsInTheNewCodeWithTheCheckpointsValues) {
  const bytecode::Module v1 = compile(kVersion1), v2 = compile(kVersion2);
  UpgradeHost host;
  const vm::ContinuationData checkpoint = checkpoint_at_approval(v1, host);
  ASSERT_EQ(host.titles, std::vector<std::string>{"Ship it?"});

  std::string error;
  auto program = vm::load_program(v2, error);
  ASSERT_TRUE(program) << error;
  vm::Machine started(program, host);
  ASSERT_TRUE(started.start(program->module.workflows[0].function, std::vector<vm::Value>(1)));
  vm::ContinuationData fresh = vm::capture(started);
  ASSERT_EQ(vm::move_to_step({v1, 1, v2, 2, "release", "Approve"}, checkpoint, 40, fresh), "");
  EXPECT_EQ(fresh.next_seq, 40u);

  vm::Machine moved(program, host);
  host.machine = &moved;
  host.checkpoint.clear();
  ASSERT_TRUE(vm::restore_data(moved, fresh).ok());
  auto effects = run_until_waiting(moved, host);
  ASSERT_EQ(effects.size(), 1u);
  EXPECT_GE(effects[0].seq, 40u);
  // The new code asks again, in its own words; "Check" (before "Approve") does not run.
  EXPECT_EQ(host.titles, (std::vector<std::string>{"Ship it?", "Ship prod now?"}));
  EXPECT_FALSE(host.checkpoint.empty());  // the step was entered again: a checkpoint of the new code
  effects::ApprovalState approval(effects[0].args);
  approval.decide(true);
  moved.resume(effects[0].fiber, effects[0].seq, approval.approval());
  ASSERT_EQ(moved.run(1'000'000), vm::Status::Completed) << vm::render(moved.error());
  EXPECT_EQ(vm::to_json_text(moved.result()), "\"v2 prod ops 4\"");
  EXPECT_EQ(std::count(host.logs.begin(), host.logs.end(), "checked"), 0);
}

}  // namespace

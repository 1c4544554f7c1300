// Step checkpoints (SPEC §3, §4.1 retry): when a fiber enters a step, its host can save the
// machine; after the instance fails inside that step, a machine restored from the checkpoint
// runs the step again from its start — with the variables as they were when it was entered.
#include <gtest/gtest.h>

#include "effects/records.h"
#include "lower/compile.h"
#include "vm/continuation.h"
#include "vm/machine.h"
#include "vm/render.h"

namespace {

using namespace wf;

// Saves a checkpoint whenever a step is entered and answers `run` effects with a Results whose
// exit code the test controls, so the step fails the first time and passes on the retry.
class CheckpointHost : public vm::Host {
 public:
  vm::Machine* machine = nullptr;
  std::vector<uint8_t> checkpoint;
  std::vector<std::string> steps;
  int64_t now_ms() override { return 0; }
  vm::Value localhost() override { return {}; }
  vm::Value env(std::string_view) override { return {}; }
  void on_log(uint32_t, const std::string&) override {}
  void on_condition(uint32_t, const std::string&, bool) override {}
  void on_step(uint32_t, const vm::Value& info, vm::StepEvent event) override {
    const std::string name = effects::field_string(info, "name");
    steps.push_back(name + (event == vm::StepEvent::Enter ? ":enter" : event == vm::StepEvent::Leave ? ":leave" : ":fail"));
    if (event == vm::StepEvent::Enter && name == "Deploy") checkpoint = vm::snapshot(*machine);
  }
};

vm::Status drive(vm::Machine& m, int exit_code) {
  for (;;) {
    const vm::Status s = m.run(1'000'000);
    if (s == vm::Status::Completed || s == vm::Status::Failed) return s;
    for (const vm::EffectRequest& r : m.take_effects()) {
      effects::JobOutcomeRecord o{"web1", exit_code == 0 ? "completed" : "failed", exit_code, "", "", 1, 1};
      m.resume(r.fiber, r.seq, effects::make_results({o}));
    }
  }
}

TEST(StepCheckpoint, RetryFromTheFailedStepRunsItAgain) {
  CompileResult c = compile_text("checkpoint.wf", R"(
workflow deploy(targets: hosts) -> int {
  var attempts = 0
  step "Prepare" {
    attempts = attempts + 10
  }
  step "Deploy" {
    attempts = attempts + 1
    let r = run command "deploy" on targets allow_failure
    if not r.ok { fail "deploy failed with exit {{r.exit_code}}" }
  }
  return attempts
}
)");
  ASSERT_TRUE(c.module) << c.error;
  std::string error;
  auto program = vm::load_program(*c.module, error);
  ASSERT_TRUE(program) << error;

  CheckpointHost host;
  auto first = std::make_unique<vm::Machine>(program, host);
  host.machine = first.get();
  ASSERT_TRUE(first->start(program->module.workflows[0].function, {vm::make_list({})}));
  ASSERT_EQ(drive(*first, 2), vm::Status::Failed);
  EXPECT_EQ(effects::field_string(first->error(), "step"), "Deploy");
  ASSERT_FALSE(host.checkpoint.empty());

  // The retry: a new machine from the checkpoint alone; the world has changed (exit 0).
  first.reset();
  vm::Machine retry(program, host);
  host.machine = &retry;
  ASSERT_TRUE(vm::restore(retry, host.checkpoint).ok());
  ASSERT_EQ(drive(retry, 0), vm::Status::Completed) << vm::render(retry.error());
  // "Prepare" ran once (10); "Deploy" counted from the value at its checkpoint, not from the
  // failed attempt's: 10 + 1.
  EXPECT_EQ(vm::to_json_text(retry.result()), "11");
  const std::vector<std::string> expected = {"Prepare:enter", "Prepare:leave", "Deploy:enter", "Deploy:fail", "Deploy:leave"};
  EXPECT_EQ(host.steps, expected);
}

}  // namespace

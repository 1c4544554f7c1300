// The dispatch loop's `switch` form (WF_VM_SWITCH) runs programs exactly as the computed-goto form
// does: this binary links the VM built that way and runs pure workflows through it.
#include <gtest/gtest.h>

#include "lower/compile.h"
#include "vm/machine.h"
#include "vm/render.h"

namespace {

using namespace wf;

// Pure programs need nothing of a host but its clock.
class NoEffects : public vm::Host {
 public:
  int64_t now_ms() override { return 0; }
  vm::Value localhost() override { return {}; }
  vm::Value env(std::string_view) override { return {}; }
  void on_log(uint32_t, const std::string&) override {}
  void on_step(uint32_t, const vm::Value&, vm::StepEvent) override {}
  void on_condition(uint32_t, const std::string&, bool) override {}
};

std::string run(const std::string& source) {
  CompileResult c = compile_text("switch.wf", source);
  if (!c.module) return "compile error: " + c.error;
  std::string error;
  auto program = vm::load_program(*c.module, error);
  if (!program) return "load error: " + error;
  NoEffects host;
  vm::Machine m(program, host);
  if (!m.start(program->module.workflows[0].function, {})) return "init failed";
  if (m.run(1'000'000'000) != vm::Status::Completed) return "failed: " + vm::render(m.error());
  return vm::to_json_text(m.result());
}

TEST(SwitchDispatch, RunsCallsLoopsAndArithmetic) {
  EXPECT_EQ(run(R"(
fn fib(n: int) -> int {
  if n < 2 { return n }
  return fib(n - 1) + fib(n - 2)
}
workflow w() -> int { return fib(20) }
)"),
            "6765");
  EXPECT_EQ(run(R"(
workflow w() -> int {
  var i = 0
  var s = 0
  while i < 1000 {
    s = s + i % 7
    i = i + 1
  }
  return s
}
)"),
            "2997");
}

TEST(SwitchDispatch, RunsStringsListsAndRecords) {
  EXPECT_EQ(run(R"(
workflow w() -> {names: list<string>, text: string} {
  var xs: list<string> = []
  var text = ""
  for i in range(3) {
    xs = xs + ["n{{i}}"]
    text = text + str(i) + ","
  }
  return {names: xs, text: text}
}
)"),
            R"({"names":["n0","n1","n2"],"text":"0,1,2,"})");
}

TEST(SwitchDispatch, RunsTryCatchFinallyAndRaises) {
  EXPECT_EQ(run(R"(
fn risky(n: int) -> int { return 10 / n }
workflow w() -> list<string> {
  var seen: list<string> = []
  try {
    seen = seen + ["{{risky(0)}}"]
  } catch e {
    seen = seen + [e.kind]
  } finally {
    seen = seen + ["finally"]
  }
  return seen
}
)"),
            R"(["arithmetic","finally"])");
  EXPECT_EQ(run("workflow w() -> int { fail \"stop\" }").rfind("failed:", 0), 0u);
}

}  // namespace

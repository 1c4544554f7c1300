// A workflow's annotations decoded into a WorkflowPolicy (effects/workflow_policy.h), over a module
// the compiler made.
#include "effects/workflow_policy.h"

#include <gtest/gtest.h>

#include "lower/compile.h"

namespace wf {
namespace {

const char* const kSource = R"(
@timeout(2h) @trigger(schedule) @canary(percent: 12.5%, threshold: 90%)
@schedule("0 2 * * 1-5")
@description("Rotate the certificates of the web tier")
@template
workflow rotate(targets: hosts) {
  run command "true" on targets canary
}

@canary(5%)
workflow canary_only(targets: hosts) {
  run command "true" on targets canary
}

workflow plain() {
  log "nothing to declare"
}

@schedule("@every 90s", tz: "Europe/Berlin")
workflow zoned() {
  log "tick"
}
)";

bytecode::Module compiled() {
  CompileResult c = compile_text("policy.wf", kSource);
  EXPECT_TRUE(c.module) << c.error;
  return c.module ? std::move(*c.module) : bytecode::Module{};
}

TEST(WorkflowPolicy, DecodesEveryAnnotation) {
  const bytecode::Module m = compiled();
  const auto index = bytecode::find_workflow(m, "rotate");
  ASSERT_TRUE(index);
  const effects::WorkflowPolicy p = effects::workflow_policy(m.workflows[*index]);
  EXPECT_EQ(p.timeout_ms, 2 * 3'600'000);
  ASSERT_TRUE(p.canary);
  EXPECT_DOUBLE_EQ(p.canary->percent, 12.5);
  EXPECT_DOUBLE_EQ(p.canary->threshold, 90);
  EXPECT_EQ(p.trigger, "schedule");
  ASSERT_TRUE(p.schedule);
  EXPECT_EQ(p.schedule->cron, "0 2 * * 1-5");
  EXPECT_EQ(p.schedule->tz, "");
  EXPECT_EQ(p.description, "Rotate the certificates of the web tier");
  EXPECT_TRUE(p.is_template);
}

TEST(WorkflowPolicy, ScheduleWithAZone) {
  const bytecode::Module m = compiled();
  const auto index = bytecode::find_workflow(m, "zoned");
  ASSERT_TRUE(index);
  const effects::WorkflowPolicy p = effects::workflow_policy(m.workflows[*index]);
  ASSERT_TRUE(p.schedule);
  EXPECT_EQ(p.schedule->cron, "@every 90s");
  EXPECT_EQ(p.schedule->tz, "Europe/Berlin");
}

TEST(WorkflowPolicy, PositionalCanaryKeepsTheDefaultThreshold) {
  const bytecode::Module m = compiled();
  const auto index = bytecode::find_workflow(m, "canary_only");
  ASSERT_TRUE(index);
  const effects::WorkflowPolicy p = effects::workflow_policy(m.workflows[*index]);
  ASSERT_TRUE(p.canary);
  EXPECT_DOUBLE_EQ(p.canary->percent, 5);
  EXPECT_DOUBLE_EQ(p.canary->threshold, 80);
  EXPECT_EQ(p.timeout_ms, 0);
}

TEST(WorkflowPolicy, NoAnnotationsGiveTheDefaults) {
  const bytecode::Module m = compiled();
  const auto index = bytecode::find_workflow(m, "plain");
  ASSERT_TRUE(index);
  const effects::WorkflowPolicy p = effects::workflow_policy(m.workflows[*index]);
  EXPECT_EQ(p.timeout_ms, 0);
  EXPECT_FALSE(p.canary);
  EXPECT_EQ(p.trigger, "manual");
  EXPECT_FALSE(p.schedule);
  EXPECT_EQ(p.description, "");
  EXPECT_FALSE(p.is_template);
}

TEST(WorkflowPolicy, MalformedArgumentsReadAsAbsent) {
  bytecode::Workflow w;
  w.annotations = {{"timeout", "\"2h\""}, {"canary", "{\"percent\": \"ten\"}"}, {"trigger", "not json"},
                   {"schedule", "5"}};
  const effects::WorkflowPolicy p = effects::workflow_policy(w);
  EXPECT_EQ(p.timeout_ms, 0);
  ASSERT_TRUE(p.canary);  // present, but with no usable percentage: a run does not use it
  EXPECT_DOUBLE_EQ(p.canary->percent, 0);
  EXPECT_EQ(p.trigger, "manual");
  EXPECT_FALSE(p.schedule);
}

}  // namespace
}  // namespace wf

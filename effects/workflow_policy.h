// A workflow's annotations (SPEC §1.2) decoded once into plain data. The lowering writes each
// annotation's arguments as compact JSON (compiler/lower/lower_module.cpp); this is the one
// reader of that JSON, so the service's engine and API, `wf run` and the simulator agree on what
// a workflow asks for. The checker has already rejected bad annotations, so a malformed one here
// (a hand-made module) reads as absent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bytecode/module.h"

namespace wf::effects {

// `@canary(percent: 10%, threshold: 80%)`: which share of a `run ... canary`'s targets goes
// first, and the success rate that batch must reach.
struct CanaryPolicy {
  double percent = 0;     // of the targets, in the first batch
  double threshold = 80;  // success rate (percent) the batch must reach
};

// `@schedule("0 2 * * *")` or `@schedule("0 2 * * *", tz: "Europe/Berlin")`: publishing the
// workflow makes its schedule (docs/operations.md "Schedules").
struct SchedulePolicy {
  std::string cron;
  std::string tz;  // empty: UTC
};

struct WorkflowPolicy {
  int64_t timeout_ms = 0;               // @timeout: the whole instance's limit; 0 for none
  std::optional<CanaryPolicy> canary;   // @canary
  std::string trigger = "manual";       // @trigger, informational (SPEC §1.2: default manual)
  std::optional<SchedulePolicy> schedule;
  std::string description;              // @description
  bool is_template = false;             // @template
};

WorkflowPolicy workflow_policy(const bytecode::Workflow& w);

// The message of the `timeout` error an instance ends with when its @timeout expires: the
// service's engine and `wf run` end it with the same words.
inline constexpr const char* kWorkflowTimeoutMessage = "the workflow's @timeout expired";

}  // namespace wf::effects

// The engine's in-memory view of a live instance and of the effects it waits for. The store holds
// the same facts durably (instances, waits, jobs, approvals); recovery rebuilds these from it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/ops.h"
#include "effects/approval_state.h"
#include "effects/run_state.h"
#include "runtime/engine/engine.h"
#include "runtime/store/rows.h"
#include "vm/machine.h"
#include "vm/program.h"
#include "vm/value.h"

namespace wf::engine {

struct Wait {
  bytecode::EffectKind kind = bytecode::EffectKind::Run;
  uint32_t fiber = 0;
  uint64_t seq = 0;
  vm::Value args;
  int64_t step = -1;  // the timeline row of this effect

  // run: the policy state, and the job of each host of the current round
  std::unique_ptr<effects::RunState> run;
  std::map<size_t, int64_t> round;  // host index → job id
  // approve
  int64_t approval_id = 0;
  // sleep, wait event (its timeout)
  std::optional<int64_t> due_at;
  std::string event;
  // child workflow
  int64_t child_id = 0;
  // The timed step that bounds it (effects/step_timeout.h); none when no step times it.
  std::optional<vm::StepDeadline> step_deadline;

  // Asked for while the kill switch held the instance: nothing of it has begun (no timeline row,
  // no job, no timer) until automation resumes.
  bool withheld = false;

  // Settled: the value or Error to resume the fiber with (held while the instance is paused).
  bool ready = false, ready_error = false;
  vm::Value outcome;
};

struct Instance {
  InstanceRow row;
  std::shared_ptr<const vm::Program> program;
  uint32_t workflow_index = 0;
  std::vector<vm::Value> start_args;  // until the first transition (queued instances)
  std::map<uint64_t, Wait> waits;     // by seq
  int64_t next_log_seq = 1, next_step = 0;
  std::map<int64_t, StepRow> open_steps;               // timeline rows not yet ended
  std::map<uint32_t, std::vector<int64_t>> step_stack;  // fiber → its open `step` rows
  bool queued_to_run = false;  // out of fuel, waiting in the runnable list
  bool detached = false;       // a child whose parent no longer waits for it
  bool timeout_fired = false;  // its @timeout ran out (the wall clock may say otherwise after a step)
};

// How an effect reads in the execution log and the timeline ("run job ...", "sleep 5m").
std::string describe_effect(const vm::EffectRequest& r);

// The names of the steps open in each fiber, outermost first (InstanceRow::checkpoint_steps).
std::string open_step_names(const Instance& in);

}  // namespace wf::engine

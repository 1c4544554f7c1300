// A step's `timeout` (SPEC §1.5) as every host enforces it: the VM notes when each timed step
// started; an effect that waits on the world inside such a step is answered with a `timeout`
// error once the step's time has run out, and what the effect started is withdrawn. Pure
// computation cannot be interrupted: the limit is checked where effects begin and bounds their
// waits. The service's engine and `wf run` both go through this file.
#pragma once

#include <cstdint>
#include <optional>

#include "bytecode/ops.h"
#include "vm/machine.h"

namespace wf::effects {

// Whether an effect of this kind waits (jobs, approvals, sleeps, events, child workflows) and so is
// bounded by the timeout of the steps around it. Notify, checkout and checkin are answered at
// once; a checkin in particular must run even after the step's time is up.
bool bounded_by_step_timeout(bytecode::EffectKind kind);

// The deadline of the effect `r`: the earliest of the timed steps its fiber is inside (its
// parents' too), when the effect is bounded by one. Null when nothing limits it.
std::optional<vm::StepDeadline> effect_deadline(const vm::Machine& m, const vm::EffectRequest& r);

// The `timeout` error the effect is answered with once its step's deadline has passed.
vm::Value step_timeout_error(const vm::StepDeadline& d);

}  // namespace wf::effects

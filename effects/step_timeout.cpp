// A step's `timeout` as every host enforces it (see step_timeout.h).
#include "effects/step_timeout.h"

#include <fmt/format.h>

#include "effects/records.h"
#include "vm/render.h"

namespace wf::effects {

bool bounded_by_step_timeout(bytecode::EffectKind kind) {
  using bytecode::EffectKind;
  switch (kind) {
    case EffectKind::Notify:
    case EffectKind::Checkout:
    case EffectKind::Checkin: return false;
    default: return true;
  }
}

std::optional<vm::StepDeadline> effect_deadline(const vm::Machine& m, const vm::EffectRequest& r) {
  if (!bounded_by_step_timeout(r.kind)) return std::nullopt;
  return m.step_deadline(r.fiber);
}

vm::Value step_timeout_error(const vm::StepDeadline& d) {
  return make_error(stdlib::ErrorKind::Timeout,
                    fmt::format("step \"{}\" timed out after {}", field_string(d.info, "name"), vm::format_duration(field_int(d.info, "timeout"))));
}

}  // namespace wf::effects

// The OpInfo table and effect names, built from opcodes.def.
#include "bytecode/ops.h"

namespace wf::bytecode {

namespace {
const OpInfo kOps[] = {
#define WF_OP(name, a, b, c, x, meaning) {#name, Operand::a, Operand::b, Operand::c, Operand::x, meaning},
#include "bytecode/opcodes.def"
#undef WF_OP
};
}  // namespace

const OpInfo& op_info(Op op) { return kOps[static_cast<int>(op)]; }

std::string_view effect_name(EffectKind k) {
  switch (k) {
    case EffectKind::Run: return "run";
    case EffectKind::Approve: return "approve";
    case EffectKind::Sleep: return "sleep";
    case EffectKind::SleepUntil: return "sleep_until";
    case EffectKind::Checkout: return "checkout";
    case EffectKind::Checkin: return "checkin";
    case EffectKind::Notify: return "notify";
    case EffectKind::WaitEvent: return "wait_event";
    case EffectKind::Child: return "child";
  }
  return "?";
}

}  // namespace wf::bytecode

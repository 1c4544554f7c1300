// Operand roles: the kinds of opcodes.def, with the few ambiguous slots resolved per op.
#include "bytecode/operand_roles.h"

namespace wf::bytecode {

namespace {

Role role_of_kind(Operand kind) {
  switch (kind) {
    case Operand::_: return Role::Unused;
    case Operand::R: return Role::Reg;
    case Operand::K: return Role::Const;
    case Operand::I: return Role::Int;
    case Operand::J: return Role::Jump;
    case Operand::F: return Role::Function;
    case Operand::S: return Role::Shape;
    case Operand::B: return Role::Builtin;
    case Operand::E: return Role::Effect;
    case Operand::Bx: return Role::Const;
    case Operand::sBx: return Role::Jump;
  }
  return Role::Unused;
}

}  // namespace

OpRoles op_roles(Op op) {
  const OpInfo& info = op_info(op);
  OpRoles r{role_of_kind(info.a), role_of_kind(info.b), role_of_kind(info.c), role_of_kind(info.x)};
  // The slots whose kind has more than one meaning; the meanings are those of opcodes.def's
  // descriptions. Keep this switch in step with a new op that reuses Bx, sBx or I.
  switch (op) {
    case Op::LOADI: r.b = Role::Int; break;
    case Op::GETGLOBAL:
    case Op::SETGLOBAL: r.b = Role::Global; break;
    case Op::LOADBOOL:
    case Op::STEP: r.b = Role::Bool; break;
    case Op::ADDIK:
    case Op::MULIK:
    case Op::MODIK: r.c = Role::BiasedInt; break;
    case Op::GETFIELD: r.c = Role::FieldIndex; break;
    case Op::CONCATN:
    case Op::CALL:
    case Op::CALLB:
    case Op::NEWLIST:
    case Op::SPAWN:
    case Op::JOIN: r.c = Role::RegCount; break;
    case Op::NEWMAP: r.c = Role::PairCount; break;
    default: break;
  }
  return r;
}

bool ends_flow(Op op) {
  switch (op) {
    case Op::RET:
    case Op::RETNONE:
    case Op::JMP:
    case Op::RAISE:
    case Op::FAIL: return true;
    default: return false;
  }
}

}  // namespace wf::bytecode

// What each operand of an instruction means, refined from the operand kinds of opcodes.def where a
// kind alone does not say it; the verifier and the disassembler read operands only through this.
#pragma once

#include "bytecode/ops.h"

namespace wf::bytecode {

// The kinds of opcodes.def say how to check most operands, but a few kinds carry two meanings:
// a `Bx` is a constant index for LOADK and a global index for GETGLOBAL/SETGLOBAL, an `sBx` is a
// jump for JMP* and an integer for LOADI, and an `I` is sometimes the length of a register range
// that must fit in the frame. Role names the one meaning of each slot of each op.
enum class Role : uint8_t {
  Unused,      // `_`: must be zero
  Reg,         // a register of the frame
  RegCount,    // C: the length of the register range starting at B
  PairCount,   // C: the number of key/value register pairs starting at B (NEWMAP)
  Const,       // an index into the constant pool
  Global,      // an index into the module's globals
  Int,         // a plain small integer (LOADI's sBx)
  BiasedInt,   // ADDIK's C: the integer C - 128
  Bool,        // 0 or 1
  FieldIndex,  // a record field index fixed by the checker
  Jump,        // a jump offset, relative to the next instruction
  Function,    // an index into the module's functions
  Shape,       // an index into the module's record shapes
  Builtin,     // an index into the module's builtins
  Effect,      // an EffectKind
};

struct OpRoles {
  Role a, b, c, x;
};

// The roles of op's slots: its OpInfo kinds, with the ambiguous ones resolved.
OpRoles op_roles(Op op);

// True when control never falls through to the next instruction, which is what a function's
// last instruction must be.
bool ends_flow(Op op);

// True when the byte is one of the ops of opcodes.def.
constexpr bool is_known_op(uint8_t byte) { return byte < kOpCount; }

// How many 32-bit words the instruction takes (one, or two with its extra word).
inline int instr_width(Op op) { return op_info(op).has_extra() ? 2 : 1; }

}  // namespace wf::bytecode

// The instruction set as C++: the Op enum, the operand kinds of each op and the encoding of a
// 32-bit instruction word, all derived from opcodes.def.
#pragma once

#include <cstdint>
#include <string_view>

namespace wf::bytecode {

enum class Op : uint8_t {
#define WF_OP(name, a, b, c, x, meaning) name,
#include "bytecode/opcodes.def"
#undef WF_OP
};

constexpr int kOpCount = 0
#define WF_OP(name, a, b, c, x, meaning) +1
#include "bytecode/opcodes.def"
#undef WF_OP
    ;

// What an operand slot holds (see opcodes.def); `_` is an unused slot.
enum class Operand : uint8_t { _, R, K, I, J, F, S, B, E, Bx, sBx };

struct OpInfo {
  std::string_view name;
  Operand a, b, c, x;  // x: the extra word after the instruction, if any
  std::string_view meaning;
  bool wide() const { return b == Operand::Bx || b == Operand::sBx; }
  bool has_extra() const { return x != Operand::_; }
};

const OpInfo& op_info(Op op);

using Instr = uint32_t;

constexpr Instr encode_abc(Op op, uint8_t a, uint8_t b, uint8_t c) {
  return static_cast<Instr>(op) | (static_cast<Instr>(a) << 8) | (static_cast<Instr>(b) << 16) |
         (static_cast<Instr>(c) << 24);
}
constexpr Instr encode_abx(Op op, uint8_t a, uint16_t bx) {
  return static_cast<Instr>(op) | (static_cast<Instr>(a) << 8) | (static_cast<Instr>(bx) << 16);
}
constexpr Instr encode_asbx(Op op, uint8_t a, int16_t sbx) {
  return encode_abx(op, a, static_cast<uint16_t>(sbx));
}

constexpr Op op_of(Instr i) { return static_cast<Op>(i & 0xFF); }
constexpr uint8_t a_of(Instr i) { return static_cast<uint8_t>(i >> 8); }
constexpr uint8_t b_of(Instr i) { return static_cast<uint8_t>(i >> 16); }
constexpr uint8_t c_of(Instr i) { return static_cast<uint8_t>(i >> 24); }
constexpr uint16_t bx_of(Instr i) { return static_cast<uint16_t>(i >> 16); }
constexpr int16_t sbx_of(Instr i) { return static_cast<int16_t>(i >> 16); }

// Limits that follow from the encoding: an 8-bit register operand, a 16-bit constant index.
constexpr int kMaxRegisters = 250;
constexpr int kMaxConstants = 1 << 16;
constexpr int kLoadIMin = -32768, kLoadIMax = 32767;
// ADDIK's constant is C - 128.
constexpr int kAddKMin = -128, kAddKMax = 127;

// The effects an EFFECT instruction can ask for (SPEC §1.6).
// (`now()` is not one: it is a builtin that asks the host's clock without suspending.)
enum class EffectKind : uint8_t { Run, Approve, Sleep, SleepUntil, Checkout, Checkin, Notify, WaitEvent, Child };
constexpr int kEffectKindCount = 9;
std::string_view effect_name(EffectKind k);

}  // namespace wf::bytecode

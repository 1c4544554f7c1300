// Instruction emission, register allocation and jump patching for one function.
#include "lower/function_builder.h"

namespace wf {

using bytecode::Op;

FunctionBuilder::FunctionBuilder(std::string name, bytecode::FunctionKind kind, uint8_t params, uint32_t source)
    : top_(params), high_water_(params) {
  f_.name = std::move(name);
  f_.kind = kind;
  f_.num_params = params;
  f_.source = source;
}

uint8_t FunctionBuilder::u8(int v) {
  if (v < 0 || v > 255) {
    overflowed_ = true;
    return 0;
  }
  return static_cast<uint8_t>(v);
}

int FunctionBuilder::alloc() { return alloc_block(1); }

int FunctionBuilder::alloc_block(int n) {
  if (n == 0) return 0;  // an empty range: any in-range base will do
  const int first = top_;
  top_ += n;
  if (top_ > high_water_) high_water_ = top_;
  if (top_ > bytecode::kMaxRegisters) overflowed_ = true;
  return first;
}

void FunctionBuilder::emit(bytecode::Instr i) {
  if (f_.lines.empty() || f_.lines.back().line != line_) f_.lines.push_back({static_cast<uint32_t>(f_.code.size()), line_});
  f_.code.push_back(i);
}

size_t FunctionBuilder::emit_jump(Op op, int a) {
  const size_t at = pc();
  emit(bytecode::encode_asbx(op, u8(a), 0));
  return at;
}

size_t FunctionBuilder::emit_jlti(int a, int b) {
  const size_t at = pc();
  emit_abc(Op::JLTI, a, b, 0);
  emit_extra(0);
  return at;
}

size_t FunctionBuilder::emit_jltk(int a, int constant) {
  const size_t at = pc();
  emit_abx(Op::JLTK, a, constant);
  emit_extra(0);
  return at;
}

void FunctionBuilder::patch(size_t jump) {
  const bytecode::Instr i = f_.code[jump];
  const Op op = bytecode::op_of(i);
  if (op == Op::JLTI || op == Op::JLTK) {
    // The offset counts from the instruction after the extra word.
    f_.code[jump + 1] = static_cast<uint32_t>(static_cast<int32_t>(pc()) - static_cast<int32_t>(jump + 2));
    return;
  }
  const long offset = static_cast<long>(pc()) - static_cast<long>(jump + 1);
  if (offset < -32768 || offset > 32767) jump_overflow_ = true;
  f_.code[jump] = bytecode::encode_asbx(op, bytecode::a_of(i), static_cast<int16_t>(offset));
}

void FunctionBuilder::emit_jump_back(Op op, int a, size_t target) {
  const long offset = static_cast<long>(target) - static_cast<long>(pc() + 1);
  if (offset < -32768) jump_overflow_ = true;
  emit(bytecode::encode_asbx(op, u8(a), static_cast<int16_t>(offset)));
}

void FunctionBuilder::add_handler(uint32_t start, uint32_t end, uint32_t target, int reg, bool is_finally) {
  if (start < end) f_.handlers.push_back({start, end, target, u8(reg), is_finally});
}

void FunctionBuilder::add_local(const std::string& name, int reg, uint32_t start, uint32_t end) {
  f_.locals.push_back({name, u8(reg), start, end});
  if (end == 0) ++open_locals_;
}

bool FunctionBuilder::local_open(const std::string& name, int reg) const {
  for (auto it = f_.locals.rbegin(); it != f_.locals.rend(); ++it)
    if (it->reg == reg) return it->end == 0 && it->name == name && it->start <= pc();
  return false;
}

void FunctionBuilder::release_to(int mark) {
  for (auto it = f_.locals.rbegin(); it != f_.locals.rend() && open_locals_ > 0; ++it) {
    if (it->end != 0 || it->reg < mark) continue;
    it->end = static_cast<uint32_t>(pc());
    --open_locals_;
  }
  top_ = mark;
}

bytecode::Function FunctionBuilder::finish() {
  release_to(f_.num_params);
  f_.num_registers = static_cast<uint8_t>(std::min(high_water_, 255));
  if (f_.num_registers < f_.num_params) f_.num_registers = f_.num_params;
  return std::move(f_);
}

}  // namespace wf

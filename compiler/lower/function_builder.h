// Emits one bytecode function: instructions with their source lines, a stack-like register
// allocator (locals stay until their scope ends, temporaries until the expression is done),
// forward jumps patched when their target is known, and the exception-handler table.
#pragma once

#include <string>
#include <vector>

#include "bytecode/module.h"

namespace wf {

class FunctionBuilder {
 public:
  FunctionBuilder(std::string name, bytecode::FunctionKind kind, uint8_t params, uint32_t source);

  // Registers. `top()` is the first free register; `release_to(mark)` frees everything above it.
  int alloc();
  int alloc_block(int n);  // n consecutive registers
  int top() const { return top_; }
  // Also ends the live range of the named locals held in the freed registers.
  void release_to(int mark);
  bool overflowed() const { return overflowed_; }

  void set_line(uint32_t line) { line_ = line; }

  size_t pc() const { return f_.code.size(); }
  void emit(bytecode::Instr i);
  void emit_abc(bytecode::Op op, int a, int b, int c) { emit(bytecode::encode_abc(op, u8(a), u8(b), u8(c))); }
  void emit_abx(bytecode::Op op, int a, int bx) { emit(bytecode::encode_abx(op, u8(a), static_cast<uint16_t>(bx))); }
  void emit_extra(uint32_t word) { f_.code.push_back(word); }

  // A jump whose target is not known yet; patch() points it at the current pc.
  size_t emit_jump(bytecode::Op op, int a);
  // JLTI: "if not (R[a] < R[b]) jump"; its offset is in the extra word.
  size_t emit_jlti(int a, int b);
  size_t emit_jltk(int a, int constant);  // JLTK: "if not (R[a] < K[constant]) jump"
  void patch(size_t jump);
  void emit_jump_back(bytecode::Op op, int a, size_t target);

  void add_handler(uint32_t start, uint32_t end, uint32_t target, int reg, bool is_finally);
  void add_local(const std::string& name, int reg, uint32_t start, uint32_t end);
  size_t local_count() const { return f_.locals.size(); }
  // Whether the local `name` in register `reg` is bound here: its value stored, its range not ended.
  bool local_open(const std::string& name, int reg) const;
  // The local `index` is live from the next instruction on (its value has just been stored).
  void start_local_here(size_t index) { f_.locals[index].start = static_cast<uint32_t>(pc()); }

  bytecode::Function finish();
  const std::string& name() const { return f_.name; }
  bool jump_out_of_range() const { return jump_overflow_; }

 private:
  uint8_t u8(int v);
  bytecode::Function f_;
  int top_;
  int open_locals_ = 0;  // locals whose live range has not ended yet
  int high_water_;
  uint32_t line_ = 0;
  bool overflowed_ = false;
  bool jump_overflow_ = false;
};

}  // namespace wf

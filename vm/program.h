// A verified module made ready to run: constants as Values, shapes interned, every builtin call
// bound to its native implementation. Shared, read-only, by every VM running the module.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/module.h"
#include "stdlib/natives.h"
#include "vm/shape.h"
#include "vm/value.h"

namespace wf::vm {

// What the dispatch loop needs of a function, in one small record (the Function itself is large).
struct FunctionCode {
  const bytecode::Instr* code = nullptr;
  uint32_t num_registers = 0;
  bool scalar_registers = false;  // a return need not release anything from the frame
};

struct Program {
  bytecode::Module module;
  std::vector<FunctionCode> code;  // by function index; points into `module`
  std::vector<Value> constants;
  std::vector<const Shape*> shapes;
  std::vector<stdlib::Native> natives;  // by the module's builtin index
  const Shape* error_shape = nullptr;    // the Error record (SPEC §1.7)
  // The module's identity (SPEC §2): the hex SHA-256 of its encoding, which is what its .wfb
  // file holds. A continuation names it, so it is never restored into another program.
  std::string module_hash;
};

// Null with `error` set when the module asks for a builtin this build does not have.
std::shared_ptr<const Program> load_program(bytecode::Module module, std::string& error);

}  // namespace wf::vm

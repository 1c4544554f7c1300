// A readable listing of a module: its tables, then each function's code with operands decoded by
// their roles. The output is deterministic, so golden files can pin the compiler's code.
#pragma once

#include <string>

#include "bytecode/module.h"

namespace wf::bytecode {

// Lists any module, also one verify_module rejects: an operand that points nowhere is shown as
// `?` instead of a name, so the listing helps to see why.
std::string disassemble(const Module& module);

}  // namespace wf::bytecode

// Lowering: turns a checked, error-free Compilation into a bytecode module (SPEC §2). It reads
// the types, bindings and call targets the checker left on the AST. It knows the bytecode
// format, not the VM that will run it.
#pragma once

#include <optional>

#include "bytecode/module.h"
#include "diagnostics/diagnostic.h"

namespace wf {

class Compilation;

// Null when the program exceeds a limit of the format (more than 250 registers in a function,
// a jump farther than 32767 instructions, ...); the reason is reported as E0500.
std::optional<bytecode::Module> lower_program(const Compilation& compilation, DiagnosticSink& sink);

}  // namespace wf

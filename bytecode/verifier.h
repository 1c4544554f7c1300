// Checks a decoded module's meaning before any of it runs (SPEC §2: loading validates bounds, jump
// targets and constant indices), so that the VM's dispatch loop can trust every operand and need
// not test one at run time.
#pragma once

#include <optional>
#include <string>

#include "bytecode/module.h"

namespace wf::bytecode {

// nullopt when the module is sound; otherwise the first problem found, naming the function and pc
// where there is one: "function `deploy` pc 12: register 40 out of range (frame has 12)".
// Every operand check follows from the op's operand roles (operand_roles.h), none from a list of
// ops kept here.
std::optional<std::string> verify_module(const Module& module);

}  // namespace wf::bytecode

// Getting a module for the commands that run or show one: compile a .wf file (printing its
// diagnostics to stderr) or read and verify a .wfb file.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bytecode/module.h"
#include "vm/program.h"

namespace wf::cli {

// Null after printing why; the caller exits with kExitFailed (diagnostics) or kExitUsage.
struct LoadedModule {
  std::optional<bytecode::Module> module;
  int exit_code = 0;
};

LoadedModule load_module(const std::string& path);

// The module made ready to run, or null after saying why (exit with kExitUsage): it may call a
// builtin this build of wf does not have.
std::shared_ptr<const vm::Program> program_or_report(const bytecode::Module& module);

}  // namespace wf::cli

// Getting a module for the commands that run or show one: compile a .wf file (printing its
// diagnostics to stderr) or read and verify a .wfb file.
#pragma once

#include <optional>
#include <string>

#include "bytecode/module.h"

namespace wf::cli {

// Null after printing why; the caller exits with kExitFailed (diagnostics) or kExitUsage.
struct LoadedModule {
  std::optional<bytecode::Module> module;
  int exit_code = 0;
};

LoadedModule load_module(const std::string& path);

}  // namespace wf::cli

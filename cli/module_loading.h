// Getting a module for the commands that run or show one: compile a .wf file (printing its
// diagnostics to stderr) or read and verify a .wfb file.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "bytecode/module.h"
#include "vm/machine.h"
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

// Binds the workflow's arguments as `wf run` does (local/params.h), `hosts` being `--hosts a,b`
// for the workflow's one `hosts` parameter, or says why not and returns the exit code:
// kExitFailed when a default's computation failed, else kExitUsage.
std::optional<int> bind_or_report(const std::shared_ptr<const vm::Program>& program, const bytecode::Workflow& w,
                                  const std::map<std::string, std::string>& given, const std::string& hosts,
                                  vm::Host& host, std::vector<vm::Value>& args);

}  // namespace wf::cli

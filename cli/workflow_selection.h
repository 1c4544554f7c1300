// What `wf run` and `wf simulate` share before they run anything: the workflow a file's module
// is run as (--workflow NAME, or the only one) and the --param NAME=VALUE pairs, checked against
// its parameters. Each returns the exit code to end with when the command line is wrong.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/module.h"

namespace wf::cli {

// The index of the workflow to run, or nullopt after saying why (exit with kExitUsage).
std::optional<size_t> select_workflow(const bytecode::Module& module, const std::string& requested,
                                      const std::string& file);

// --param pairs by name, or nullopt after saying what is wrong (exit with kExitUsage).
std::optional<std::map<std::string, std::string>> parse_params(const bytecode::Workflow& w,
                                                               const std::vector<std::string>& params);

}  // namespace wf::cli

// Choosing a workflow and reading --param pairs for `wf run` and `wf simulate`.
#include "workflow_selection.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "local/params.h"

namespace wf::cli {

std::optional<size_t> select_workflow(const bytecode::Module& module, const std::string& requested,
                                      const std::string& file) {
  if (requested.empty()) {
    if (module.workflows.size() == 1) return 0;
  } else if (const std::optional<uint32_t> i = bytecode::find_workflow(module, requested)) {
    return *i;
  }
  std::vector<std::string> names;
  for (const auto& w : module.workflows) names.push_back(w.name);
  fmt::print(stderr, "wf: {} — workflows in {}: {}\n",
             requested.empty() ? "choose one with --workflow NAME" : fmt::format("no workflow `{}`", requested), file,
             names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")));
  return std::nullopt;
}

std::optional<std::map<std::string, std::string>> parse_params(const bytecode::Workflow& w,
                                                               const std::vector<std::string>& params) {
  std::map<std::string, std::string> given;
  for (const std::string& p : params) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      fmt::print(stderr, "wf: --param takes NAME=VALUE, got \"{}\"\n", p);
      return std::nullopt;
    }
    given[p.substr(0, eq)] = p.substr(eq + 1);
  }
  if (auto unknown = local::unknown_parameter(w, given)) {
    fmt::print(stderr, "wf: {}\n", *unknown);
    return std::nullopt;
  }
  return given;
}

}  // namespace wf::cli

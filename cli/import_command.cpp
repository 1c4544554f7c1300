// `wf import`: converts a legacy step-graph JSON (SPEC §9) with import/import.h and writes the
// formatted, checked source to OUT.wf or stdout. Warnings (unreachable steps, scripts not
// exported) go to stderr; a graph that cannot be imported is exit 2 with the error naming the step.
#include "import_command.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "exit_codes.h"
#include "import/import.h"

namespace wf::cli {

namespace {

struct ImportOptions {
  std::string input;
  std::string output;
  std::string scripts;
};

int run_import(const ImportOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(options.input, ec)) {
    fmt::print(stderr, "wf import: cannot read {}: is a directory\n", options.input);
    return kExitUsage;
  }
  std::ifstream in(options.input, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "wf import: cannot read {}: {}\n", options.input, std::strerror(errno));
    return kExitUsage;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!options.scripts.empty() && !std::filesystem::is_directory(options.scripts, ec)) {
    fmt::print(stderr, "wf import: --scripts {}: not a directory\n", options.scripts);
    return kExitUsage;
  }
  const legacy::ImportResult result = legacy::import_legacy(text.str(), {options.scripts, true});
  for (const std::string& w : result.warnings) fmt::print(stderr, "{}: warning: {}\n", options.input, w);
  if (!result.ok) {
    fmt::print(stderr, "{}: error: {}\n", options.input, result.error);
    if (!result.note.empty()) fmt::print(stderr, "  note: {}\n", result.note);
    return kExitUsage;
  }
  if (options.output.empty()) {
    fmt::print("{}", result.source);
    std::fflush(stdout);
    return kExitOk;
  }
  std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
  out << result.source;
  out.close();
  if (!out) {
    fmt::print(stderr, "wf import: cannot write {}: {}\n", options.output, std::strerror(errno));
    return kExitUsage;
  }
  fmt::print(stderr, "{}: workflow {} ({}) written to {}\n", options.input, result.workflow,
             result.structured ? "structured" : "a state-machine loop", options.output);
  return kExitOk;
}

}  // namespace

void register_import_command(CLI::App& app) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* cmd = app.add_subcommand("import", "Convert a legacy step-graph JSON into .wf source");
  cmd->add_option("legacy", options->input, "The legacy workflow JSON ({name, steps: [...]})")->required();
  cmd->add_option("-o,--output", options->output, "Write the source to this file (default: stdout)");
  cmd->add_option("--scripts", options->scripts, "The directory of exported scripts, N.json for script_id N");
  cmd->callback([options] {
    const int code = run_import(*options);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli

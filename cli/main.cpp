// The one `wf` binary: builds the CLI11 command tree, parses the command line and maps every
// outcome onto the exit codes of SPEC §6.
//
// Each subcommand lives in its own `*_command.cpp` with a `register_X_command(CLI::App&)` that
// adds it to the tree. A command reports a non-zero exit code by throwing CLI::RuntimeError(code)
// from its callback, CLI11's own way to end a run with a status and print nothing.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <string>

#include "build_command.h"
#include "check_command.h"
#include "run_command.h"
#include "simulate_command.h"
#include "graph_command.h"
#include "lsp_command.h"
#include "fmt_command.h"
#include "import_command.h"
#include "repl_command.h"
#include "client_commands.h"
#include "agent_command.h"
#include "serve_command.h"
#include "cron_command.h"
#include "exit_codes.h"
#include "runtime/service/build_info.h"
#include "unknown_command.h"

namespace {

// CLI11 prints "ERROR: ..." and returns its own codes (105, 106, ...); wf says who is speaking
// and leaves the exit code to main.
std::string usage_failure(const CLI::App* app, const CLI::Error& e) {
  return fmt::format("wf: {}\nRun with --help for more information.\n", e.what());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wf: a compiled workflow language for IT-operations automation", "wf"};
  app.set_version_flag("--version", wf::kWfVersion);
  app.require_subcommand(1);
  app.failure_message(usage_failure);

  wf::cli::register_check_command(app);
  wf::cli::register_build_commands(app);
  wf::cli::register_run_command(app);
  wf::cli::register_simulate_command(app);
  wf::cli::register_graph_command(app);
  wf::cli::register_lsp_command(app);
  wf::cli::register_fmt_command(app);
  wf::cli::register_import_command(app);
  wf::cli::register_repl_command(app);
  wf::cli::register_client_commands(app);
  wf::cli::register_agent_command(app);
  wf::cli::register_serve_command(app);
  wf::cli::register_cron_command(app);

  if (argc > 1)
    if (auto unknown = wf::cli::unknown_command_message(app, argv[1])) {
      fmt::print(stderr, "{}", *unknown);
      return wf::cli::kExitUsage;
    }
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command's own result, already reported
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, with code 0; everything else is a usage error.
    return app.exit(e) == 0 ? wf::cli::kExitOk : wf::cli::kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "wf: internal error: {}\n", e.what());
    return wf::cli::kExitUsage;
  }
  return wf::cli::kExitOk;
}

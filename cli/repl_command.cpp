// `wf repl [--fast] [--vault FILE] [--notify FILE]` (SPEC §8): an interactive session; the loop lives in repl/.
#include "repl_command.h"

#include <CLI/CLI.hpp>
#include <memory>

#include "exit_codes.h"
#include "repl/repl.h"

namespace wf::cli {

void register_repl_command(CLI::App& app) {
  auto o = std::make_shared<repl::ReplOptions>();
  CLI::App* cmd = app.add_subcommand("repl", "An interactive session: declarations, statements and effects, one input at a time");
  cmd->add_flag("--fast", o->fast, "Skip the waits of sleeps and retry delays");
  cmd->add_option("--vault", o->vault, "A vault file for checkouts");
  cmd->add_option("--notify", o->notify, "A channels file (JSON, see docs/operations.md, Trying notifications): send each `notify` through it");
  cmd->callback([o] {
    const int code = repl::run_repl(*o);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli

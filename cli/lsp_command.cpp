// `wf lsp [--stdio]`: runs the language server (lsp/protocol/server.h) over stdin and stdout until
// the client says `exit`. The exit code is the protocol's: 0 after `shutdown`, 1 otherwise.
#include "lsp_command.h"

#include <csignal>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "exit_codes.h"
#include "protocol/server.h"

namespace wf::cli {

void register_lsp_command(CLI::App& app) {
  CLI::App* lsp = app.add_subcommand("lsp", "Run the language server on stdin and stdout");
  // Editors' clients pass `--stdio` to say which transport; stdio is the only one, so the flag is
  // accepted and changes nothing.
  auto stdio = std::make_shared<bool>(false);
  lsp->add_flag("--stdio", *stdio, "Talk over stdin and stdout (the default and only transport)");
  lsp->callback([&app, stdio] {
    // Unsynchronised streams keep their own buffers, which is what lets the server see that more
    // messages are already waiting (a cancel, say). A client that goes away mid-write shows as a
    // failed stream, not as SIGPIPE.
    std::ios::sync_with_stdio(false);
    std::signal(SIGPIPE, SIG_IGN);
    lsp::Server server(std::cin, std::cout, app.version());
    const int code = server.run();
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli

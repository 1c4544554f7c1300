// `wf lsp`: the language server on stdin and stdout.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {

// Adds the `lsp` subcommand to the root `app`, whose version string the server reports.
void register_lsp_command(CLI::App& app);

}  // namespace wf::cli

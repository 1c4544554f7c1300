// `wf check FILE...`: parse and type-check files and report their diagnostics.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {

// Adds the `check` subcommand to the root `app`, whose version string names the tool in SARIF.
void register_check_command(CLI::App& app);

}  // namespace wf::cli

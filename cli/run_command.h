// Registers `wf run`.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {
void register_run_command(CLI::App& app);
}

// Registers `wf repl`.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {
void register_repl_command(CLI::App& app);
}

// Registers `wf simulate`.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {
void register_simulate_command(CLI::App& app);
}

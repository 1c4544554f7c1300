// Registers `wf graph`.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {
void register_graph_command(CLI::App& app);
}

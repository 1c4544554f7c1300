// Registers `wf build` and `wf disasm`.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {
void register_build_commands(CLI::App& app);
}

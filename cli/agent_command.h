// Registers `wf agent`.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {
void register_agent_command(CLI::App& app);
}

// `wf import LEGACY.json [-o OUT.wf] [--scripts DIR]`: a legacy step-graph JSON as wf source.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {

void register_import_command(CLI::App& app);

}  // namespace wf::cli

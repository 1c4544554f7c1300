// `wf fmt [--check] FILE...`: rewrites files in the canonical layout, or lists those that are not.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {

void register_fmt_command(CLI::App& app);

}  // namespace wf::cli

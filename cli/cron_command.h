// `wf cron EXPR [--tz ZONE] [--from TIME] [--count N]` (SPEC §4.5): prints the next fire times of
// a schedule expression, to try one out before a workflow or a schedule uses it.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {

void register_cron_command(CLI::App& app);

}  // namespace wf::cli

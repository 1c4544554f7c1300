// `wf serve` (SPEC §6): the service, on this machine.
#pragma once

#include <CLI/CLI.hpp>

namespace wf::cli {

void register_serve_command(CLI::App& app);

}  // namespace wf::cli

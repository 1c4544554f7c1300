// Registers the client commands of `wf` (SPEC §6) that talk to a running `wf serve`: push,
// publish, start, ls, show, wait, approvals, approve, cancel, pause, resume, retry and logs.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {
void register_client_commands(CLI::App& app);
}

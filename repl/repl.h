// `wf repl` (SPEC §8): the read-evaluate-print loop over a Session. It reads inputs (continuing
// lines while brackets are open), hands meta-commands to meta_commands.h and everything else to
// evaluate.h, and ends only on `:quit`, Ctrl-D or the end of its input — never on an error.
#pragma once

#include <string>

namespace wf::repl {

struct ReplOptions {
  bool fast = false;  // sleeps and retry delays do not wait
  std::string vault;  // a vault file for `checkout` (SPEC §6), or empty
  std::string notify; // a channels file each `notify` is sent through (local/channels_file.h), or empty
};

// Runs a session on stdin and stdout; returns the exit code (0, or 2 for an unreadable vault or channels file).
int run_repl(const ReplOptions& options);

}  // namespace wf::repl

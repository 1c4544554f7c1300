// The meta-commands of SPEC §8: `:help`, `:type EXPR`, `:disasm EXPR|NAME`, `:load FILE`,
// `:vars`, `:reset`, `:simulate on|off`, `:quit`; and `:notify FILE|off` (local/notifier.h).
#pragma once

#include <string>

#include "repl/evaluate.h"
#include "repl/session.h"

namespace wf::repl {

enum class MetaResult { Continue, Quit };

// `line` starts with `:`. Every outcome, an unknown command included, is printed to `io.out`.
MetaResult run_meta_command(Session& session, const std::string& line, const Io& io);

}  // namespace wf::repl

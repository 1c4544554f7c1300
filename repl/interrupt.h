// Ctrl-C at the REPL: SIGINT only raises a flag, and whoever is waiting (the line editor, an
// effect of the local host) looks at it and gives up what it was doing; the session goes on.
#pragma once

#include <atomic>

namespace wf::repl {

// The flag SIGINT raises. Whoever acts on an interrupt clears it.
std::atomic<bool>& interrupted();

// Installs the handler, without SA_RESTART so that a read blocked at the prompt returns. Only an
// interactive session installs it: piped input keeps the default, so Ctrl-C ends a script.
void install_interrupt_handler();

}  // namespace wf::repl

// The SIGINT flag (see interrupt.h).
#include "repl/interrupt.h"

#include <signal.h>

namespace wf::repl {

namespace {
std::atomic<bool> g_interrupted{false};

// Async-signal-safe: a lock-free atomic store and nothing else.
void on_sigint(int) { g_interrupted.store(true); }
}  // namespace

std::atomic<bool>& interrupted() { return g_interrupted; }

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked read() must return EINTR
  sigaction(SIGINT, &sa, nullptr);
}

}  // namespace wf::repl

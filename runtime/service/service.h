// `wf serve` (SPEC §4): one process, one libuv loop for HTTP, timers and the VM; SQLite under
// --data with a writer thread for group commit; the bootstrap of the first start (organization,
// admin token, enrollment secret); a clean stop on SIGINT or SIGTERM.
#pragma once

#include <memory>
#include <string>

namespace wf::service {

struct ServeOptions {
  std::string data_dir = "./wf-data";
  std::string host = "127.0.0.1";
  int port = 7878;
  std::string store;  // "" or sqlite:PATH; postgres:// is refused for now
  bool synchronous_full = true;
  bool metrics_public = false;  // /metrics without a token (a Prometheus that holds none)
  // false: nothing is recorded for /metrics (no counters, histograms or timings on the hot
  // paths) and /metrics answers 404.
  bool metrics = true;
  // A queued job no agent has picked up this long after its time ends failed (SPEC §4.2).
  int64_t stale_queued_ms = 30 * 60 * 1000;
  // How long a console session lasts from its sign-in (sessions.h): 12 hours.
  int64_t session_lifetime_ms = 12LL * 60 * 60 * 1000;
};

// Runs the service until a signal stops it. Returns the process exit code; says why on stderr
// when it cannot start.
int serve(const ServeOptions& options);

}  // namespace wf::service

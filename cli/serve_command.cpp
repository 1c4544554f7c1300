// `wf serve [--data DIR] [--listen ADDR:PORT] [--store sqlite:PATH] [--log-format text|json]
// [--log-level LEVEL] [--metrics on|off] [--metrics-public]
// [--stale-queued-after D] [--session-lifetime D]` (SPEC §6).
#include "serve_command.h"

#include <fmt/format.h>

#include <charconv>

#include "cli/client/request_values.h"
#include "exit_codes.h"
#include "runtime/log/log.h"
#include "runtime/service/service.h"

namespace wf::cli {

void register_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "run the service: the API, the engine and the store");
  auto options = std::make_shared<service::ServeOptions>();
  auto listen = std::make_shared<std::string>("127.0.0.1:7878");
  cmd->add_option("--data", options->data_dir, "the data directory (default ./wf-data)");
  cmd->add_option("--listen", *listen, "ADDR:PORT to listen on (default 127.0.0.1:7878)");
  cmd->add_option("--store", options->store, "sqlite:PATH (default DATA/wf.db)");
  auto log_format = std::make_shared<std::string>("text");
  auto log_level = std::make_shared<std::string>("info");
  cmd->add_option("--log-format", *log_format, "text or json: how each line on stderr is written (default text)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--log-level", *log_level, "debug, info, warn or error: the least a line must be to be written (default info)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cmd->add_flag("--metrics-public", options->metrics_public, "answer /metrics without a token (default: a token with settings.view)");
  auto metrics = std::make_shared<std::string>("on");
  cmd->add_option("--metrics", *metrics,
                  "on or off: off records no metrics at all (no counters, histograms or timings) and /metrics answers 404 "
                  "(default on)")
      ->check(CLI::IsMember({"on", "off"}));
  auto stale = std::make_shared<std::string>("30m");
  cmd->add_option("--stale-queued-after", *stale,
                  "a queued job no agent picked up this long after its time ends failed (default 30m)");
  auto session_lifetime = std::make_shared<std::string>("12h");
  cmd->add_option("--session-lifetime", *session_lifetime,
                  "how long a web console sign-in lasts before the browser must sign in again (default 12h)");
  cmd->callback([options, listen, log_format, log_level, stale, metrics, session_lifetime] {
    options->metrics = *metrics == "on";
    log::configure(*log::parse_format(*log_format), *log::parse_level(*log_level));
    const auto stale_ms = parse_duration_ms(*stale);
    if (!stale_ms || *stale_ms < 1000) {
      fmt::print(stderr, "wf: --stale-queued-after {}: expected a duration of at least 1s, such as 30m\n", *stale);
      throw CLI::RuntimeError(kExitUsage);
    }
    options->stale_queued_ms = *stale_ms;
    const auto session_ms = parse_duration_ms(*session_lifetime);
    if (!session_ms || *session_ms < 1000) {
      fmt::print(stderr, "wf: --session-lifetime {}: expected a duration of at least 1s, such as 12h\n", *session_lifetime);
      throw CLI::RuntimeError(kExitUsage);
    }
    options->session_lifetime_ms = *session_ms;
    const size_t colon = listen->rfind(':');
    int port = -1;
    if (colon != std::string::npos) {
      const char* b = listen->data() + colon + 1;
      const char* e = listen->data() + listen->size();
      auto [end, ec] = std::from_chars(b, e, port);
      if (ec != std::errc() || end != e || port < 0 || port > 65535) port = -1;
    }
    if (port < 0) {
      fmt::print(stderr, "wf: --listen {}: expected ADDR:PORT, such as 127.0.0.1:7878\n", *listen);
      throw CLI::RuntimeError(kExitUsage);
    }
    options->host = listen->substr(0, colon);
    if (options->host.size() > 2 && options->host.front() == '[' && options->host.back() == ']')
      options->host = options->host.substr(1, options->host.size() - 2);
    options->port = port;
    const int code = service::serve(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli

// The client commands' connection to a running `wf serve`: the options every client command
// takes (--server, --token, --format), resolved as stored_credentials.h says (the flags, else
// WF_SERVER and WF_TOKEN, else what `wf login` stored), requests under /api/v1, and the one way a command reports a failure: "wf: <message>" on stderr and an
// exit code (SPEC §6).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cli/client/json_fields.h"
#include "cli/client/stored_credentials.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

struct ClientOptions {
  std::string server;  // empty: WF_SERVER, else the stored server, else http://127.0.0.1:7878
  std::string token;   // empty: WF_TOKEN, else the stored token (of that server)
  std::string format = "text";
  bool json() const { return format == "json"; }
};

// Adds --server, --token and --format text|json to a client command.
void add_client_options(CLI::App* command, ClientOptions& options);

// Prints "wf: <message>" to stderr and ends the command with `exit_code` (CLI::RuntimeError, which
// main turns into the process's exit code).
[[noreturn]] void fail(int exit_code, std::string_view message);

// Prints `value` as indented JSON on stdout.
void print_json(const Json& value);

// Ends a command that waited for an instance to end (`wf wait`, `wf start --wait`): prints its
// detail (`json`) or its result (text), or why it did not complete on stderr, and ends with the
// exit code of `wf run` for that outcome.
void finish_wait(const Json& detail, bool json);

// The `items` of a list answer; fails the command (exit 2) saying that the answer has no list of
// `what` when it has none.
const Json& list_items(const Json& answer, std::string_view what);

// Reads a positional id argument, or fails with a usage error naming `what` ("instance").
int64_t require_id(const std::string& text, std::string_view what);

// One command's conversation with the service. Not thread-safe: one per thread.
class ServiceConnection {
 public:
  explicit ServiceConnection(const ClientOptions& options);

  const std::string& server() const { return credentials_.server; }
  const std::string& token() const { return credentials_.token; }

  // A request to `/api/v1` + `path`, the body sent as JSON when given. The parsed JSON of a 2xx
  // answer (null for an empty one); anything else fails the command with exit code 2 and the
  // service's `{error: {message}}`.
  Json call(std::string_view method, std::string_view path, const Json* body = nullptr, int64_t timeout_ms = 30000);
  Json get(std::string_view path, int64_t timeout_ms = 30000) { return call("GET", path, nullptr, timeout_ms); }
  Json post(std::string_view path, const Json& body) { return call("POST", path, &body); }
  Json patch(std::string_view path, const Json& body) { return call("PATCH", path, &body); }
  Json remove(std::string_view path) { return call("DELETE", path); }

  // The same request, its answer returned as it came for callers that read error answers
  // themselves (`wf push` reads the diagnostics of a 422).
  client::HttpResult send(std::string_view method, std::string_view path, const Json* body = nullptr,
                          int64_t timeout_ms = 30000);

  // Whether a failed request may succeed if tried again: no answer at all (the service is
  // restarting), or a 5xx. A 4xx will not get better.
  static bool is_transient(const client::HttpResult& result);

  // Fails the command with the account of a request that did not succeed.
  [[noreturn]] void fail_request(const client::HttpResult& result) const;

  // The body of a 2xx answer as JSON; fails the command when it is not JSON.
  static Json parse_answer(const client::HttpResult& result);

 private:
  ResolvedCredentials credentials_;
  client::HttpClient http_;
};

}  // namespace wf::cli

// The client commands' connection to the service (see service_connection.h).
#include "cli/client/service_connection.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "cli/client/instance_outcome.h"
#include "cli/client/request_values.h"
#include "cli/exit_codes.h"

namespace wf::cli {

namespace {

constexpr const char* kApiPrefix = "/api/v1";

// What to do about a refused token, by where it came from.
std::string refused_token_advice(const ResolvedCredentials& c) {
  switch (c.token_source) {
    case TokenSource::None: return "no token was given: run `wf login`, set WF_TOKEN or pass --token";
    case TokenSource::Flag: return "the token of --token was refused";
    case TokenSource::Environment: return "the token of WF_TOKEN was refused";
    case TokenSource::StoredFile:
      return fmt::format("the token `wf login` stored in {} was refused: run `wf login` with a valid token", c.file.string());
  }
  return "";
}

}  // namespace

void add_client_options(CLI::App* command, ClientOptions& options) {
  command->add_option("--server", options.server,
                      "The service's URL (default: $WF_SERVER, else the one `wf login` stored, else http://127.0.0.1:7878)");
  command->add_option("--token", options.token, "The API token (default: $WF_TOKEN, else the one `wf login` stored)");
  command->add_option("--format", options.format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

void finish_wait(const Json& detail, bool json) {
  const int code = exit_code_for_instance(detail).value_or(kExitUsage);
  if (json) {
    print_json(detail);
  } else if (code == kExitOk) {
    const Json* result = field(detail, "result");
    fmt::print("{}\n", compact(result != nullptr ? *result : Json()));
    std::fflush(stdout);
  } else {
    fmt::print(stderr, "wf: {}\n", outcome_line(detail));
  }
  if (code != kExitOk) throw CLI::RuntimeError(code);
}

void fail(int exit_code, std::string_view message) {
  std::fflush(stdout);
  fmt::print(stderr, "wf: {}\n", message);
  throw CLI::RuntimeError(exit_code);
}

void print_json(const Json& value) {
  fmt::print("{}\n", pretty(value));
  std::fflush(stdout);
}

const Json& list_items(const Json& answer, std::string_view what) {
  const Json* items = field(answer, "items");
  if (items == nullptr || !items->is_array()) fail(kExitUsage, fmt::format("the service's answer has no list of {}", what));
  return *items;
}

int64_t require_id(const std::string& text, std::string_view what) {
  if (auto id = parse_id(text)) return *id;
  fail(kExitUsage, fmt::format("{} id must be a positive integer, got \"{}\"", what, text));
}

ServiceConnection::ServiceConnection(const ClientOptions& options)
    : credentials_(resolve_credentials(options.server, options.token)), http_(credentials_.server, credentials_.token) {}

client::HttpResult ServiceConnection::send(std::string_view method, std::string_view path, const Json* body,
                                    int64_t timeout_ms) {
  const std::string text = body != nullptr ? compact(*body) : std::string();
  return http_.request(method, std::string(kApiPrefix) + std::string(path), text, timeout_ms);
}

Json ServiceConnection::call(std::string_view method, std::string_view path, const Json* body, int64_t timeout_ms) {
  const client::HttpResult result = send(method, path, body, timeout_ms);
  if (!result.ok()) fail_request(result);
  return parse_answer(result);
}

bool ServiceConnection::is_transient(const client::HttpResult& result) {
  return !result.error.empty() || result.status == 0 || result.status >= 500;
}

void ServiceConnection::fail_request(const client::HttpResult& result) const {
  if (!result.error.empty())
    fail(kExitUsage, fmt::format("cannot reach the service at {}: {}", credentials_.server, result.error));
  if (result.status == 401)
    fail(kExitUsage, fmt::format("{} (HTTP 401): {}", result.describe(), refused_token_advice(credentials_)));
  // The status says which kind of refusal it was (403: not permitted, 409: not in this state).
  const std::string message = result.describe();
  fail(kExitUsage, message.rfind("HTTP ", 0) == 0 ? message : fmt::format("{} (HTTP {})", message, result.status));
}

Json ServiceConnection::parse_answer(const client::HttpResult& result) {
  if (result.body.empty()) return Json();
  Json parsed = Json::parse(result.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) fail(kExitUsage, fmt::format("the service answered HTTP {} with a body that is not JSON", result.status));
  return parsed;
}

}  // namespace wf::cli

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

constexpr const char* kDefaultServer = "http://127.0.0.1:7878";
constexpr const char* kApiPrefix = "/api/v1";

std::string from_environment(const std::string& given, const char* variable, const char* fallback) {
  if (!given.empty()) return given;
  const char* value = std::getenv(variable);
  return value != nullptr && *value != '\0' ? std::string(value) : std::string(fallback);
}

}  // namespace

void add_client_options(CLI::App* command, ClientOptions& options) {
  command->add_option("--server", options.server, "The service's URL (default: $WF_SERVER, else http://127.0.0.1:7878)");
  command->add_option("--token", options.token, "The API token (default: $WF_TOKEN)");
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

int64_t require_id(const std::string& text, std::string_view what) {
  if (auto id = parse_id(text)) return *id;
  fail(kExitUsage, fmt::format("{} id must be a positive integer, got \"{}\"", what, text));
}

ServiceConnection::ServiceConnection(const ClientOptions& options)
    : server_(from_environment(options.server, "WF_SERVER", kDefaultServer)),
      token_(from_environment(options.token, "WF_TOKEN", "")),
      http_(server_, token_) {}

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
  if (!result.error.empty()) fail(kExitUsage, fmt::format("cannot reach the service at {}: {}", server_, result.error));
  std::string message = result.describe();
  if (result.status == 401 && token_.empty()) message += " (set WF_TOKEN or pass --token)";
  fail(kExitUsage, message);
}

Json ServiceConnection::parse_answer(const client::HttpResult& result) {
  if (result.body.empty()) return Json();
  Json parsed = Json::parse(result.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) fail(kExitUsage, fmt::format("the service answered HTTP {} with a body that is not JSON", result.status));
  return parsed;
}

}  // namespace wf::cli

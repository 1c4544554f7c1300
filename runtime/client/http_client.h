// A small blocking HTTP client over libcurl for the parts of wf that talk to a running service:
// the agent (register, heartbeat, long-poll, reports) and the client commands of SPEC §6. One
// client per thread; JSON in and out; a transport failure is a value, never an exception.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wf::client {

struct HttpResult {
  int status = 0;         // the HTTP status; 0 when no response arrived
  std::string body;       // the response body
  std::string error;      // why no response arrived (connection refused, timeout, ...)
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // A one-line account of a failure: the transport error, or the `{error: {message}}` of a 4xx/5xx
  // JSON body, or the status line.
  std::string describe() const;
};

class HttpClient {
 public:
  // `base_url` like "http://127.0.0.1:7878"; `token` is sent as `Authorization: Bearer` when set.
  HttpClient(std::string base_url, std::string token = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void set_token(std::string token) { token_ = std::move(token); }
  // Header lines ("Name: value") sent with every later request, beside the usual ones.
  void set_extra_headers(std::vector<std::string> lines) { extra_headers_ = std::move(lines); }
  const std::string& base_url() const { return base_url_; }

  // One request. `path` is appended to the base URL ("/api/v1/instances?status=running"); `body`
  // is sent as application/json when not empty. `timeout_ms` bounds the whole exchange.
  HttpResult request(std::string_view method, std::string_view path, std::string_view body = {},
                     int64_t timeout_ms = 30000);
  HttpResult get(std::string_view path, int64_t timeout_ms = 30000) { return request("GET", path, {}, timeout_ms); }
  HttpResult post(std::string_view path, std::string_view body = "{}", int64_t timeout_ms = 30000) {
    return request("POST", path, body, timeout_ms);
  }

  // A GET whose response arrives piece by piece (Server-Sent Events): `on_data` gets each piece
  // as it is read and returns false to stop. Extra headers are "Name: value" lines. Returns when
  // the server ends the response, `on_data` stops it, or the transfer fails.
  HttpResult stream(std::string_view path, const std::vector<std::string>& headers,
                    const std::function<bool(std::string_view)>& on_data);

 private:
  std::string base_url_, token_;
  std::vector<std::string> extra_headers_;
  void* curl_ = nullptr;  // CURL*, reused so keep-alive connections are too
};

// Splits a Server-Sent Events stream into events; feed it the pieces HttpClient::stream reads.
class SseParser {
 public:
  struct Event {
    std::string id, type, data;
  };
  // Calls `on_event` for each complete event in the text so far; returns false when it did.
  bool feed(std::string_view piece, const std::function<bool(const Event&)>& on_event);

 private:
  std::string buffer_;
  Event current_;
};

// Percent-encodes a query or path component.
std::string url_encode(std::string_view text);

}  // namespace wf::client

// The plain values a handler of wf_http works with: a parsed HTTP request and the response it
// answers with. They know nothing of sockets or of the parser that filled them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wf::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Whether `a` equals `lower` (lower case) in ASCII letters of either case: header names and
// tokens such as `close` and `100-continue` are case-insensitive (RFC 9110 §5.1).
bool equals_ignoring_case(std::string_view a, std::string_view lower);

// One request, complete with its body. The server reuses one Request per connection, so a handler
// that answers later must copy what it needs: the reference it receives is valid only during the
// handler's call.
struct Request {
  std::string method;                                      // "GET"
  std::string path;                                        // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded query parameters, in order
  HeaderList headers;                                      // names lower-cased, in order
  std::string body;                                        // de-chunked
  std::string peer;                                        // "127.0.0.1:50312", "[::1]:50312"

  // The value of the first header named `lower_name` (lower case), "" when absent.
  std::string_view header(std::string_view lower_name) const;
  // The first value of the query parameter `name`, nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
};

// A complete (not streamed) response. The server adds Content-Length, Connection and Date; a
// Content-Length or Transfer-Encoding among `headers` is ignored, `Connection: close` is honoured.
struct Response {
  int status = 200;
  HeaderList headers;
  std::string body;

  // `body` is JSON text; sets Content-Type: application/json.
  static Response json(int status, std::string body);
};

}  // namespace wf::http

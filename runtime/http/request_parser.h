// The parsing half of a connection: http-parser's callbacks turning the bytes a peer sends into
// Requests, within the server's header and body limits, and the answer a malformed or oversized
// request is refused with. It knows no sockets, so the connection, its tests and a fuzzer drive
// the same code.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>

#include "runtime/http/request.h"
#include "runtime/http/server.h"

namespace wf::http {

class RequestParser {
 public:
  // What the parser's owner hears while a request is parsed.
  class Listener {
   public:
    virtual ~Listener() = default;
    // The first byte of a request has been parsed.
    virtual void request_begins() = 0;
    // The request line and headers are parsed (`request` lacks only its body; the owner may fill
    // in its peer). `wants_continue`: the client waits for `100 Continue` before sending a body.
    // False stops parsing (the owner is closing).
    virtual bool headers_parsed(Request& request, bool wants_continue) = 0;
  };

  enum class Outcome {
    more,      // every byte given was parsed; the request is not complete yet
    complete,  // a request is complete: request() holds it; call feed() again for the next one
    refused,   // the bytes are not an acceptable request: refusal() says how to answer
  };
  struct Step {
    size_t parsed = 0;  // bytes used of those given
    Outcome outcome = Outcome::more;
  };
  struct Refusal {
    int status = 400;
    std::string code;
    std::string message;
  };

  RequestParser(const Limits& limits, Listener& listener);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses `data` up to the end of the next complete request, or all of it.
  Step feed(const char* data, size_t length);

  Request& request() { return request_; }
  const Refusal& refusal() const { return refusal_; }
  // Of the request last parsed: the connection may serve another after it (and it is no upgrade).
  bool keep_alive() const { return keep_alive_; }
  bool head_request() const { return head_request_; }
  bool http11() const { return http11_; }

 private:
  // Why parsing stopped, when http-parser's own error code does not say it.
  enum class Stop { none, headers_too_large, body_too_large, bad_target, owner };

  static int on_message_begin(http_parser* parser);
  static int on_url(http_parser* parser, const char* at, size_t length);
  static int on_header_field(http_parser* parser, const char* at, size_t length);
  static int on_header_value(http_parser* parser, const char* at, size_t length);
  static int on_headers_complete(http_parser* parser);
  static int on_body(http_parser* parser, const char* at, size_t length);
  static int on_message_complete(http_parser* parser);
  static const http_parser_settings kSettings;

  bool count_header_bytes(size_t length);
  int headers_complete();
  void refuse(http_errno error);

  const Limits& limits_;
  Listener& listener_;
  http_parser parser_;
  Request request_;
  std::string target_;
  size_t header_bytes_ = 0;
  bool in_header_field_ = false;
  Stop stop_ = Stop::none;
  std::string stop_message_;
  Refusal refusal_;
  bool keep_alive_ = true;
  bool head_request_ = false;
  bool http11_ = true;
};

}  // namespace wf::http

// http-parser's callbacks and the limits on a request (see request_parser.h).
#include "runtime/http/request_parser.h"

#include <string_view>

#include "runtime/http/request_target.h"

namespace wf::http {
namespace {

// A body buffer that grew past this for one large request is released afterwards.
constexpr size_t kRetainedBodyCapacity = 64 * 1024;

RequestParser* owner(http_parser* parser) { return static_cast<RequestParser*>(parser->data); }

}  // namespace

// Constant-initialized, so no parser can see it unset whatever the order of static
// initialization.
const http_parser_settings RequestParser::kSettings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_status = nullptr,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
    .on_chunk_header = nullptr,
    .on_chunk_complete = nullptr,
};

RequestParser::RequestParser(const Limits& limits, Listener& listener) : limits_(limits), listener_(listener) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

RequestParser::Step RequestParser::feed(const char* data, size_t length) {
  // The parser pauses itself at the end of every message (on_message_complete).
  if (HTTP_PARSER_ERRNO(&parser_) == HPE_PAUSED) http_parser_pause(&parser_, 0);
  Step step;
  step.parsed = http_parser_execute(&parser_, &kSettings, data, length);
  const http_errno error = HTTP_PARSER_ERRNO(&parser_);
  if (error == HPE_PAUSED) {
    step.outcome = Outcome::complete;
  } else if (error != HPE_OK) {
    refuse(error);
    step.outcome = Outcome::refused;
  } else if (step.parsed == 0 && length > 0) {
    // No progress without an error cannot happen with a request parser; do not spin.
    refusal_ = Refusal{400, "bad_request", "unparsable request"};
    step.outcome = Outcome::refused;
  }
  return step;
}

int RequestParser::on_message_begin(http_parser* parser) {
  RequestParser* self = owner(parser);
  Request& r = self->request_;
  r.method.clear();
  r.path.clear();
  r.query.clear();
  r.headers.clear();
  if (r.body.capacity() > kRetainedBodyCapacity) {
    std::string().swap(r.body);
  } else {
    r.body.clear();
  }
  self->target_.clear();
  self->header_bytes_ = 0;
  self->in_header_field_ = false;
  self->stop_ = Stop::none;
  self->listener_.request_begins();
  return 0;
}

bool RequestParser::count_header_bytes(size_t length) {
  header_bytes_ += length;
  if (header_bytes_ <= limits_.max_header_bytes) return true;
  stop_ = Stop::headers_too_large;
  return false;
}

int RequestParser::on_url(http_parser* parser, const char* at, size_t length) {
  RequestParser* self = owner(parser);
  if (!self->count_header_bytes(length)) return -1;
  self->target_.append(at, length);
  return 0;
}

int RequestParser::on_header_field(http_parser* parser, const char* at, size_t length) {
  RequestParser* self = owner(parser);
  auto& headers = self->request_.headers;
  if (!self->in_header_field_) {
    headers.emplace_back();
    self->in_header_field_ = true;
    // ": " and CRLF count too, so that many empty headers cannot slip under the limit.
    if (!self->count_header_bytes(4)) return -1;
  }
  if (!self->count_header_bytes(length)) return -1;
  std::string& name = headers.back().first;
  for (size_t i = 0; i < length; ++i) {
    char c = at[i];
    name.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return 0;
}

int RequestParser::on_header_value(http_parser* parser, const char* at, size_t length) {
  RequestParser* self = owner(parser);
  self->in_header_field_ = false;
  if (!self->count_header_bytes(length)) return -1;
  auto& headers = self->request_.headers;
  if (headers.empty()) headers.emplace_back();  // http-parser reports the field first; be safe
  headers.back().second.append(at, length);
  return 0;
}

int RequestParser::on_headers_complete(http_parser* parser) {
  // http-parser reads 1 and 2 as "skip the body"; -1 is the error.
  return owner(parser)->headers_complete();
}

int RequestParser::headers_complete() {
  request_.method = http_method_str(static_cast<http_method>(parser_.method));
  if (!parse_request_target(target_, request_.path, request_.query, stop_message_)) {
    stop_ = Stop::bad_target;
    return -1;
  }
  http11_ = parser_.http_major > 1 || (parser_.http_major == 1 && parser_.http_minor >= 1);
  // An upgrade (WebSocket, CONNECT) is not spoken here: it gets a normal answer, then the close.
  keep_alive_ = http_should_keep_alive(&parser_) != 0 && parser_.upgrade == 0;
  head_request_ = parser_.method == HTTP_HEAD;

  const bool chunked = (parser_.flags & F_CHUNKED) != 0;
  const bool has_length = (parser_.flags & F_CONTENTLENGTH) != 0;
  if (has_length && parser_.content_length > limits_.max_body_bytes) {
    stop_ = Stop::body_too_large;
    return -1;
  }
  if (has_length) request_.body.reserve(parser_.content_length);

  // curl and others wait for this before sending a body (a second, without it).
  const bool wants_continue = http11_ && (chunked || (has_length && parser_.content_length > 0)) &&
                              equals_ignoring_case(request_.header("expect"), "100-continue");
  if (!listener_.headers_parsed(request_, wants_continue)) {
    stop_ = Stop::owner;
    return -1;
  }
  return 0;
}

int RequestParser::on_body(http_parser* parser, const char* at, size_t length) {
  RequestParser* self = owner(parser);
  std::string& body = self->request_.body;
  // A declared length was checked with the headers; this catches a chunked body that grows.
  if (body.size() + length > self->limits_.max_body_bytes) {
    self->stop_ = Stop::body_too_large;
    return -1;
  }
  body.append(at, length);
  return 0;
}

int RequestParser::on_message_complete(http_parser* parser) {
  // Pausing makes http_parser_execute return right after this message, so the owner handles it
  // outside the parser and parses the next one only after the answer.
  http_parser_pause(parser, 1);
  return 0;
}

void RequestParser::refuse(http_errno error) {
  switch (stop_) {
    case Stop::headers_too_large:
      refusal_ = Refusal{431, "headers_too_large",
                         "the request line and headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes"};
      return;
    case Stop::body_too_large:
      refusal_ = Refusal{413, "payload_too_large",
                         "the request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes"};
      return;
    case Stop::bad_target:
      refusal_ = Refusal{400, "bad_request", stop_message_};
      return;
    case Stop::owner:
    case Stop::none:
      break;
  }
  if (error == HPE_HEADER_OVERFLOW) {
    refusal_ = Refusal{431, "headers_too_large", "the request headers are too large"};
    return;
  }
  refusal_ = Refusal{400, "bad_request", std::string("malformed HTTP request: ") + http_errno_description(error)};
}

}  // namespace wf::http

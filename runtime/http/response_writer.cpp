// Response serialization: the only place that knows the wire format of what the server sends.
#include "runtime/http/response_writer.h"

#include <http_parser.h>

#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace wf::http {
namespace {

void append_number(std::string& out, size_t n, int base = 10) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n, base);
  out.append(digits, end);
}

}  // namespace

std::string_view reason_phrase(int status) {
  // http-parser carries the IANA table; it answers "<unknown>" for anything else.
  std::string_view phrase = http_status_str(static_cast<http_status>(status));
  if (phrase.empty() || phrase.front() == '<') return "Unknown";
  return phrase;
}

bool status_has_no_body(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

bool headers_ask_to_close(const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    if (equals_ignoring_case(name, "connection") && equals_ignoring_case(value, "close"))
      return true;
  }
  return false;
}

void append_response_head(std::string& out, int status, const HeaderList& headers,
                          BodyFraming framing, size_t content_length, bool keep_alive,
                          std::string_view date) {
  // A status outside 100..999 would break the three-digit status line.
  if (status < 100 || status > 999) status = 500;
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<size_t>(status));
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\n");
  bool has_date = false;
  for (const auto& [name, value] : headers) {
    // The server alone decides how the body is framed and whether the connection stays open.
    if (equals_ignoring_case(name, "content-length") ||
        equals_ignoring_case(name, "transfer-encoding") ||
        equals_ignoring_case(name, "connection")) {
      continue;
    }
    // A line break in a name or value would let data (a name from a request, say) forge
    // headers or a second response: such a header is dropped.
    if (name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      continue;
    }
    if (equals_ignoring_case(name, "date")) has_date = true;
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  }
  switch (framing) {
    case BodyFraming::content_length:
      out.append("Content-Length: ");
      append_number(out, content_length);
      out.append("\r\n");
      break;
    case BodyFraming::chunked:
      out.append("Transfer-Encoding: chunked\r\n");
      break;
    case BodyFraming::until_close:
    case BodyFraming::none:
      break;
  }
  out.append(keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
  if (!has_date && !date.empty()) {
    out.append("Date: ");
    out.append(date);
    out.append("\r\n");
  }
  out.append("\r\n");
}

void append_chunk(std::string& out, std::string_view piece) {
  if (piece.empty()) return;
  append_number(out, piece.size(), 16);
  out.append("\r\n");
  out.append(piece);
  out.append("\r\n");
}

std::string http_date(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return text;
}

std::string error_body(std::string_view code, std::string_view message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  // A message quoting the peer's bytes may hold invalid UTF-8: replace it rather than throw.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wf::http

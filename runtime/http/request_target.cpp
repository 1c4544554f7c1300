// Request targets: http-parser's URL splitter finds the path and query; this file decodes them.
#include "runtime/http/request_target.h"

#include <http_parser.h>

#include <limits>

namespace wf::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_query(std::string_view text, std::vector<std::pair<std::string, std::string>>& query,
                 std::string& error) {
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view part = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (part.empty()) continue;  // "a=1&&b=2" and a trailing '&' carry no parameter
    size_t eq = part.find('=');
    auto& [key, value] = query.emplace_back();
    bool ok = percent_decode(part.substr(0, eq), true, key);
    if (ok && eq != std::string_view::npos) ok = percent_decode(part.substr(eq + 1), true, value);
    if (!ok) {
      error = "malformed percent-escape in the query";
      return false;
    }
  }
  return true;
}

}  // namespace

bool percent_decode(std::string_view text, bool plus_is_space, std::string& out) {
  // Most paths carry no escape at all: copy them in one piece.
  if (text.find('%') == std::string_view::npos &&
      (!plus_is_space || text.find('+') == std::string_view::npos)) {
    out.append(text);
    return true;
  }
  out.reserve(out.size() + text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return false;
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return false;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

bool parse_request_target(std::string_view target, std::string& path,
                          std::vector<std::pair<std::string, std::string>>& query,
                          std::string& error) {
  path.clear();
  query.clear();
  // "OPTIONS *" names the server itself, not a resource.
  if (target == "*") {
    path.push_back('*');
    return true;
  }
  // http-parser's URL offsets are 16-bit.
  if (target.size() > std::numeric_limits<uint16_t>::max()) {
    error = "request target too long";
    return false;
  }
  http_parser_url url;
  http_parser_url_init(&url);
  if (http_parser_parse_url(target.data(), target.size(), 0, &url) != 0) {
    error = "malformed request target";
    return false;
  }
  auto field = [&](http_parser_url_fields f) -> std::string_view {
    if (!(url.field_set & (1u << f))) return {};
    return target.substr(url.field_data[f].off, url.field_data[f].len);
  };
  std::string_view raw_path = field(UF_PATH);
  if (raw_path.empty()) raw_path = "/";  // "http://host" and "http://host?x" mean the root
  if (!percent_decode(raw_path, false, path)) {
    error = "malformed percent-escape in the path";
    return false;
  }
  return parse_query(field(UF_QUERY), query, error);
}

}  // namespace wf::http

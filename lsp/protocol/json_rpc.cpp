// Content-Length framing and JSON-RPC message classification (see json_rpc.h).
#include "protocol/json_rpc.h"

#include <algorithm>
#include <cctype>
#include <istream>
#include <ostream>

namespace wf::lsp {

namespace {

constexpr std::string_view kContentLength = "content-length:";
constexpr size_t kMaxHeaderLine = 4096;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Reads one header line without its `\r\n`; false at the end of the input. An over-long line is
// cut (and will not parse as a header).
bool read_line(std::istream& in, std::string& line) {
  line.clear();
  std::streambuf* buf = in.rdbuf();
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return !line.empty();
    }
    if (c == '\n') break;
    if (line.size() < kMaxHeaderLine) line.push_back(static_cast<char>(c));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

// The Content-Length a header line gives, or -1 when it is not that header, or -2 when its value is
// not a number in range.
long long content_length(std::string_view line) {
  const std::string l = lower(line);
  if (l.compare(0, kContentLength.size(), kContentLength) != 0) return -1;
  std::string_view value = std::string_view(line).substr(kContentLength.size());
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 12) return -2;
  long long n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return -2;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

Frame read_frame(std::istream& in) {
  Frame frame;
  std::string line;
  long long length = -1;
  bool any_header = false;
  std::string problem;
  for (;;) {
    if (!read_line(in, line)) return frame;  // End
    if (line.empty()) {
      if (!any_header) continue;  // stray blank lines between frames
      break;
    }
    // After a bad frame the next header may follow the bad body on the same line.
    const size_t at = lower(line).find(kContentLength);
    if (at != std::string::npos && at > 0) line.erase(0, at);
    any_header = true;
    const long long n = content_length(line);
    if (n == -2) problem = "bad Content-Length header: " + line.substr(0, 80);
    if (n >= 0) length = n;
    else if (line.find(':') == std::string::npos && problem.empty())
      problem = "malformed header line: " + line.substr(0, 80);
  }
  if (length < 0) {
    frame.status = Frame::Status::BadHeader;
    frame.error = problem.empty() ? "missing Content-Length header" : problem;
    return frame;
  }
  if (static_cast<unsigned long long>(length) > kMaxContentLength) {
    frame.status = Frame::Status::BadHeader;
    frame.error = "Content-Length " + std::to_string(length) + " is larger than the limit";
    return frame;
  }
  frame.body.resize(static_cast<size_t>(length));
  in.read(frame.body.data(), length);
  if (in.gcount() != length) {
    frame.body.clear();
    return frame;  // End: the input stopped inside the body
  }
  frame.status = Frame::Status::Ok;
  return frame;
}

void write_frame(std::ostream& out, std::string_view body) {
  out << "Content-Length: " << body.size() << "\r\n\r\n" << body;
  out.flush();
}

Message parse_message(std::string_view body) {
  Message m;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    m.error = ErrorCode::ParseError;
    m.error_message = "the message is not valid JSON";
    return m;
  }
  if (!j.is_object()) {
    m.error_message = j.is_array() ? "batches are not supported" : "a message must be a JSON object";
    return m;
  }
  auto id = j.find("id");
  const bool has_id = id != j.end();
  if (has_id) {
    if (id->is_number_integer() || id->is_string() || id->is_null()) m.id = *id;
    else {
      m.error_message = "`id` must be a number or a string";
      return m;
    }
  }
  auto version = j.find("jsonrpc");
  if (version == j.end() || *version != "2.0") {
    m.error_message = "`jsonrpc` must be \"2.0\"";
    return m;
  }
  auto method = j.find("method");
  if (method == j.end()) {
    if (has_id && (j.contains("result") || j.contains("error"))) {
      m.kind = Message::Kind::Response;
      return m;
    }
    m.error_message = "a request needs a `method`";
    return m;
  }
  if (!method->is_string()) {
    m.error_message = "`method` must be a string";
    return m;
  }
  m.method = method->get<std::string>();
  if (auto params = j.find("params"); params != j.end()) {
    if (!params->is_object() && !params->is_array()) {
      m.error_message = "`params` must be an object or an array";
      return m;
    }
    m.params = *params;
  }
  m.kind = has_id ? Message::Kind::Request : Message::Kind::Notification;
  return m;
}

nlohmann::json response(const nlohmann::json& id, nlohmann::json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

nlohmann::json error_response(const nlohmann::json& id, ErrorCode code, std::string_view message) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"error", {{"code", static_cast<int>(code)}, {"message", std::string(message)}}}};
}

nlohmann::json notification(std::string_view method, nlohmann::json params) {
  return {{"jsonrpc", "2.0"}, {"method", std::string(method)}, {"params", std::move(params)}};
}

std::string serialize(const nlohmann::json& message) {
  return message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wf::lsp

// JSON-RPC 2.0 over a byte stream, framed as the LSP frames it: `Content-Length: N` headers, a
// blank line, then N bytes of JSON. Reading never throws and never gives up on a bad frame: a
// malformed header or body becomes a value the server answers with an error response.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wf::lsp {

// The error codes of JSON-RPC and of the LSP that this server sends.
enum class ErrorCode : int {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  ServerNotInitialized = -32002,
  RequestCancelled = -32800,
  RequestFailed = -32803,  // a valid request the server cannot carry out (renaming a builtin)
};

// A body larger than this is refused rather than allocated: no editor sends one.
constexpr size_t kMaxContentLength = size_t{64} << 20;

struct Frame {
  enum class Status {
    Ok,         // `body` holds the message
    End,        // the input ended (possibly in the middle of a frame)
    BadHeader,  // the headers had no usable Content-Length; `error` says why
  };
  Status status = Status::End;
  std::string body;
  std::string error;
};

// Reads the next frame. After a BadHeader the next call reads on from where this one stopped, and
// finds the next frame as soon as a `Content-Length:` header comes by.
Frame read_frame(std::istream& in);
// Writes `body` as one frame and flushes it.
void write_frame(std::ostream& out, std::string_view body);

// One message, classified. `id` is null for a notification (and for an invalid message whose id
// could not be read).
struct Message {
  enum class Kind { Request, Notification, Response, Invalid };
  Kind kind = Kind::Invalid;
  nlohmann::json id;
  std::string method;
  nlohmann::json params;  // null when absent
  ErrorCode error = ErrorCode::InvalidRequest;  // for Invalid: ParseError or InvalidRequest
  std::string error_message;
};
Message parse_message(std::string_view body);

nlohmann::json response(const nlohmann::json& id, nlohmann::json result);
nlohmann::json error_response(const nlohmann::json& id, ErrorCode code, std::string_view message);
nlohmann::json notification(std::string_view method, nlohmann::json params);
// The JSON text of a message; text that is not valid UTF-8 (quoted from a file) is replaced, not
// thrown over.
std::string serialize(const nlohmann::json& message);

}  // namespace wf::lsp

// The bytes of HTTP/1.1 responses: status line and header block, chunk framing, the HTTP date,
// and the JSON bodies of the errors the server answers by itself.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

#include "runtime/http/request.h"

namespace wf::http {

// How the body after a header block is delimited.
enum class BodyFraming {
  content_length,  // Content-Length: n
  chunked,         // Transfer-Encoding: chunked
  until_close,     // the body runs to the end of the connection (a stream to an HTTP/1.0 client)
  none,            // 1xx, 204, 304: no body and no length
};

// "OK", "Not Found", ...; "Unknown" for a status without a registered phrase.
std::string_view reason_phrase(int status);

// Whether a status forbids a body (1xx, 204, 304).
bool status_has_no_body(int status);

// Whether the handler's headers ask for the connection to close ("Connection: close").
bool headers_ask_to_close(const HeaderList& headers);

// Appends "HTTP/1.1 <status> <reason>", the handler's `headers` (without the framing and
// connection headers, which the server owns, and without any whose name or value holds a line
// break), the framing header, Connection and, unless the handler gave one, Date, then the blank
// line.
void append_response_head(std::string& out, int status, const HeaderList& headers,
                          BodyFraming framing, size_t content_length, bool keep_alive,
                          std::string_view date);

// Appends `piece` as one chunk of a chunked body; an empty piece appends nothing (an empty chunk
// would end the body).
void append_chunk(std::string& out, std::string_view piece);

// The chunk that ends a chunked body.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// The interim answer to "Expect: 100-continue".
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate), independent of the locale.
std::string http_date(std::time_t t);

// `{"error":{"code":"...","message":"..."}}`, the shape of every error the API answers.
std::string error_body(std::string_view code, std::string_view message);

}  // namespace wf::http

// The web console's files (console/ in the source tree), embedded in the binary at build time by
// cmake/embed_console.cmake, and the answers `wf serve` gives for them (SPEC §4.12).
#pragma once

#include <span>
#include <string_view>

#include "runtime/http/exchange.h"
#include "runtime/http/request.h"

namespace wf::service {

struct ConsoleAsset {
  std::string_view path;          // "/index.html", "/app.js"
  std::string_view content_type;  // from the file's extension
  std::string_view etag;          // quoted: part of the file's SHA-256
  std::string_view body;
};

// Every embedded file, in path order.
std::span<const ConsoleAsset> console_assets();
// The file at `path`, or null.
const ConsoleAsset* console_asset(std::string_view path);
// Whether a GET of `path` outside the route table is the console's: any path not under /api/
// (a client-side URL such as /executions/42 is answered with index.html).
bool console_path(std::string_view path);
// Answers a GET or HEAD of `path` with its file, or index.html for a client-side URL; 304 when
// the request's If-None-Match holds the file's ETag.
void reply_console(const http::Request& r, http::Exchange& x);

}  // namespace wf::service

// The web console's files as `wf serve` answers them (see console_assets.h).
#include <algorithm>

#include "runtime/service/console_assets.h"
#include "runtime/service/routes.h"

namespace wf::service {

namespace {

// Whether an If-None-Match header names `etag` (a list of tags, or `*`).
bool matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  size_t at = 0;
  while ((at = if_none_match.find(etag, at)) != std::string_view::npos) {
    const bool starts = at == 0 || if_none_match[at - 1] == ' ' || if_none_match[at - 1] == ',' || if_none_match[at - 1] == '/';
    const size_t end = at + etag.size();
    const bool ends = end == if_none_match.size() || if_none_match[end] == ',' || if_none_match[end] == ' ';
    if (starts && ends) return true;
    at = end;
  }
  return false;
}

}  // namespace

const ConsoleAsset* console_asset(std::string_view path) {
  const auto assets = console_assets();
  auto it = std::find_if(assets.begin(), assets.end(), [&](const ConsoleAsset& a) { return a.path == path; });
  return it == assets.end() ? nullptr : &*it;
}

bool console_path(std::string_view path) { return path != "/api" && !path.starts_with("/api/"); }

void reply_console(const http::Request& r, http::Exchange& x) {
  const ConsoleAsset* asset = console_asset(r.path);
  // A path that is no file is a page of the console's own (client-side) URLs: its shell answers.
  if (!asset) asset = console_asset("/index.html");
  if (!asset) return reply_error(x, 404, "not_found", "this build carries no console");
  // The files' names carry no hash, so a browser asks each time and is answered 304 while the
  // binary (and so the file) is the same.
  http::HeaderList headers = {{"Cache-Control", "no-cache"},
                              {"ETag", std::string(asset->etag)},
                              {"X-Content-Type-Options", "nosniff"},
                              {"X-Frame-Options", "DENY"},
                              {"Referrer-Policy", "no-referrer"},
                              // Only the console's own files and the API: nothing is loaded from elsewhere.
                              {"Content-Security-Policy",
                               "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"}};
  if (matches(r.header("if-none-match"), asset->etag)) return x.respond(http::Response{304, std::move(headers), {}});
  headers.emplace_back("Content-Type", std::string(asset->content_type));
  x.respond(http::Response{200, std::move(headers), std::string(asset->body)});
}

void console_page(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) { reply_console(r, *x); }

}  // namespace wf::service

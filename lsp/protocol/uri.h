// `file:` URIs ↔ file paths. The analysis names documents by path; the protocol by URI.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wf::lsp {

// The path of a `file:` URI (`file:///srv/a%20b.wf` → `/srv/a b.wf`); nullopt for another scheme
// or a malformed escape.
std::optional<std::string> path_from_uri(std::string_view uri);
// The `file:` URI of an absolute path, with the characters a URI path may not hold escaped.
std::string uri_from_path(std::string_view path);

}  // namespace wf::lsp

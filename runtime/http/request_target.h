// Turns the target of a request line into the percent-decoded path and query parameters a
// handler routes on.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wf::http {

// Appends the percent-decoding of `text` to `out`; with `plus_is_space` (query components, as
// application/x-www-form-urlencoded) '+' becomes ' '. False when a '%' is not followed by two
// hexadecimal digits.
bool percent_decode(std::string_view text, bool plus_is_space, std::string& out);

// Replaces `path` and `query` with the decoded parts of `target`, in origin form ("/a/b?x=1") or
// absolute form ("http://host/a/b?x=1"). A parameter without '=' has the value "". False, with
// `error` saying why, when the target or one of its escapes is malformed.
bool parse_request_target(std::string_view target, std::string& path,
                          std::vector<std::pair<std::string, std::string>>& query,
                          std::string& error);

}  // namespace wf::http

// Where UTF-8 text may be cut: job output arrives in arbitrary pieces, and a multi-byte character
// split between two output messages would reach the service as two U+FFFD instead of itself.
#pragma once

#include <cstddef>
#include <string_view>

namespace wf::agent {

// The length of `text` without a trailing sequence that is the valid start of a multi-byte
// character still missing its last bytes; `text.size()` when it does not end in one. Invalid
// bytes are not held back: more input would not make them valid.
size_t complete_utf8_prefix(std::string_view text);

}  // namespace wf::agent

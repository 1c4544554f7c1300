// UTF-8 validity, as RFC 3629 defines it, for the places that must find invalid bytes in a
// source before ANTLR sees it (its input stream throws on them).
#pragma once

#include <cstddef>
#include <string_view>

namespace wf {

// The length of the valid UTF-8 sequence starting at text[i] — no overlong forms, no surrogates,
// nothing above U+10FFFF — or 0 when the byte there does not start one.
size_t utf8_sequence_length(std::string_view text, size_t i);

}  // namespace wf

// The canonical layout of a token stream: where lines break, how each line is indented and where
// spaces go (the rules are listed in layout.cpp and taught in docs/language.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parse/token_stream.h"

namespace wf::format {

// Lays out `tokens`, the result of parse_tokens(text), as canonical text. Comments and string
// literals keep their bytes; a `;` between statements becomes a line break.
std::string lay_out(std::string_view text, const std::vector<SourceToken>& tokens);

// `text` without blanks at the end of each of its lines: what the layout makes of a comment.
std::string without_trailing_blanks(std::string_view text);

}  // namespace wf::format

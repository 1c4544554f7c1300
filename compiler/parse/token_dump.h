// The token stream the parser sees (after the newline filter), as (symbolic name, text) pairs,
// for the lexer's unit tests. ANTLR-free, like every header outside compiler/parse's sources.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wf {

// Default-channel tokens only, EOF excluded. A newline's text is "\n".
std::vector<std::pair<std::string, std::string>> dump_tokens(std::string_view text);

}  // namespace wf

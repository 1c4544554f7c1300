// wf names for legacy ones: identifiers from ids and variable names (never a reserved word), and
// string literals for legacy text.
#pragma once

#include <string>

namespace wf::legacy {

// `s` turned into an identifier: letters, digits and `_`, not starting with a digit, and not a
// reserved word of the language (a `_` is appended to one).
std::string identifier(const std::string& s);
bool is_reserved_word(const std::string& s);
// The text of a plain wf string literal holding exactly `text`: quotes, backslashes, braces and
// control characters escaped, no interpolation.
std::string quoted(const std::string& text);
// `text` escaped for the inside of a plain string literal (without the quotes).
std::string escaped(const std::string& text);
// A number as wf writes it: `10`, `12.5`.
std::string number_text(double value);

}  // namespace wf::legacy

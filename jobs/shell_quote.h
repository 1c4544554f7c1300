// POSIX shell quoting for values interpolated into `run command "..."` strings (SPEC §1.6), so a
// value is always one word to the shell and never code.
#pragma once

#include <string>
#include <string_view>

namespace wf::jobs {

// Returns `value` as a single shell word that any POSIX shell reads back byte for byte. Words made
// only of characters no shell treats specially (letters, digits and `@+:,./_-`) are left bare so
// logged commands stay readable; anything else is single-quoted, with each `'` written as `'\''`.
// The empty string becomes `''`. A NUL byte cannot travel through a command line at all: the shell
// stops the word there, so callers must not pass one.
std::string shell_quote(std::string_view value);

}  // namespace wf::jobs

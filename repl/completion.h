// The names Tab completes: keywords, meta-commands, the standard library's functions, built-in
// type names, and the session's declarations and variables. One function, so the language
// server can offer the same candidates.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "repl/session.h"

namespace wf::repl {

// The language's keywords: the language server's list (analysis/vocabulary.h), generated from the
// lexer grammar, so the REPL and the editor complete the same words.
std::span<const std::string_view> keywords();

// The meta-commands, with their colon (`:help`, ...).
const std::vector<std::string_view>& meta_command_names();

// Every candidate that starts with `prefix`, sorted, without duplicates. A prefix starting with
// `:` completes meta-commands only; an empty prefix gives every name.
std::vector<std::string> complete(const Session& session, std::string_view prefix);

}  // namespace wf::repl

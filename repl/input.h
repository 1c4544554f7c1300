// Assembling one input from lines: whether the text typed so far is a whole input or needs a
// continuation line (a bracket, block, multi-line string or comment still open, or a line ending
// in an operator), and what kind of input it is.
#pragma once

#include <string_view>

namespace wf::repl {

// True when `text` can be evaluated as it is: every `(`, `[` and `{` closed (more closers than
// openers also count as done, so the parser can report them), no `"""` string or `/* */` comment
// open, and the last line not ending in a token after which a newline does not end a statement
// (`+`, `and`, `=`, `,`, `.`, ...). Strings, interpolations and comments are skipped the way the
// lexer skips them, so a `{` inside a string does not count.
bool input_complete(std::string_view text);

enum class InputKind {
  Empty,         // only spaces and comments
  Meta,          // `:command ...`
  Declarations,  // starts with fn, type, const, script, library, workflow, import, `@` or `///`
  Statements,    // anything else: statements and expressions of the session's workflow body
};

InputKind classify(std::string_view text);

}  // namespace wf::repl

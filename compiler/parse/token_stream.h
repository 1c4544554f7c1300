// Every token of a source text, comments and newlines included, with byte ranges and (for text
// that parses) the syntactic role of the tokens whose layout depends on it, for the formatter
// and the language server. ANTLR-free, like every header outside compiler/parse's sources.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wf {

// What the parse tree says about a token, where layout needs more than the token's kind.
enum TokenRole : uint16_t {
  kRoleNone = 0,
  // The first token of a top-level declaration (its first annotation, if any), of a statement in
  // a block, of a script or library setting, or of a `branch`: it must start a line.
  kRoleBreakBefore = 1 << 0,
  // The first token of an item of a block-like list: the above, and also each annotation and the
  // keyword of a declaration after its annotations. Such a line is not a continuation line.
  kRoleItemStart = 1 << 1,
  // The `{` and `}` of a statement block, of a script's or library's settings, of `parallel`.
  kRoleBlockBrace = 1 << 2,
  // A `(` or `[` that belongs to what precedes it: a call, a parameter list, an annotation's
  // arguments, an index.
  kRoleAttached = 1 << 3,
  // The `-` of a negation.
  kRoleUnary = 1 << 4,
  // The `<` and `>` around a type's arguments: `list<int>`.
  kRoleTypeAngle = 1 << 5,
};

struct SourceToken {
  std::string kind;       // the lexer's symbolic name: "ID", "LBRACE", "NL", "LINE_COMMENT", ...
  std::string text;       // the bytes of the source, unchanged
  uint32_t begin = 0;     // byte range [begin, end) in the text
  uint32_t end = 0;
  bool hidden = false;    // a comment: `//`, `///` or `/* */`
  // For "NL": whether the newline filter kept it as the end of a statement (SPEC §1.1). Of a
  // run of newlines only the first can be kept.
  bool ends_statement = false;
  uint16_t roles = kRoleNone;  // TokenRole bits; filled by parse_tokens only
};

// All tokens of `text` in order, hidden ones included, EOF excluded; whitespace is not a token.
// Never fails: outside a string or comment, a byte that is not valid UTF-8 is a "BAD_CHAR".
std::vector<SourceToken> lex_tokens(std::string_view text);

// The tokens of lex_tokens with their roles, or nothing when the text has a syntax error
// (invalid UTF-8 included). The caller checks the text with parse_module first: its nesting
// guard keeps this parse's recursion bounded.
std::optional<std::vector<SourceToken>> parse_tokens(std::string_view text);

}  // namespace wf

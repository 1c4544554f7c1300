// Re-parsing only the top-level declaration an edit falls in: the language server's cheapest path
// from an edited document to its tree. A file whose last parse was clean is remembered as its text
// and its declarations' trees; when the new text differs from it inside one declaration, that
// declaration's new text is parsed on its own and put in place of the old one, and every other
// declaration is copied from memory, those after it moved by the edit's length. Whenever the result
// could differ from a parse of the whole text, nothing is reused and the caller parses it all.
// Internal to compiler/parse; ANTLR-free (the caller lends its parser).
//
// Why a declaration parsed alone is the one a whole parse would make, when this path is taken:
// the rest of the file parsed without a diagnostic, so every declaration there starts with the
// lexer in its default state, no bracket open and a separator (or nothing) before it; the edit
// leaves the declaration's first token and everything outside it untouched, and the characters on
// either side of it are ones no token of a declaration can run into (blanks, `;`, a comment's
// start); and the new text must parse alone without a diagnostic, as exactly one declaration
// spanning all of it, starting with the same token, the lexer back in its default state at its
// end. The `///` docs before a declaration are outside it and so unchanged.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "source/source_file.h"
#include "syntax/ast.h"

namespace wf {

// One declaration of a remembered parse: its tree as parsed (never checked), and how far its text
// has moved since (its ranges in the current text are the tree's plus `shift`).
struct RememberedDecl {
  Own<Decl> tree;
  int64_t shift = 0;
  size_t first_token = 0;  // the lexer's type of the declaration's first token
};

struct RememberedModule {
  std::string text;
  std::vector<RememberedDecl> decls;
};

// A parse of a whole text by the caller's parser: its module, the first token's type of each
// top-level declaration it parsed, and whether the lexer ended in its default state.
struct WholeParse {
  std::unique_ptr<Module> module;
  std::vector<size_t> first_tokens;
  bool lexer_ended_clean = false;
};
using ParseWhole = std::function<WholeParse(const SourceFile& source, DiagnosticSink& sink)>;

// The module of `source` made from `remembered` (updated to `source`'s text), or null when the
// whole text must be parsed. `parse` is used on the edited declaration's text alone.
std::unique_ptr<Module> reparse_declaration(RememberedModule& remembered, const SourceFile& source,
                                            uint32_t file_index, const ParseWhole& parse);

// What to remember of a whole parse of `text` that reported nothing: null when the parse cannot be
// remembered (its declarations and first tokens do not match up).
std::unique_ptr<RememberedModule> remember_parse(const std::string& text, const Module& module,
                                                 const std::vector<size_t>& first_tokens);

}  // namespace wf

// What the analysis answers, as plain values in byte offsets: no JSON, no URIs, no UTF-16. The
// protocol layer (lsp/protocol) translates them for editors; anything else may use them as they are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "source/source_file.h"

namespace wf::analysis {

// A range in a file named by its path: the document's own, or a module it imports.
struct FileRange {
  std::string path;
  SourceRange range;
};

struct ProblemNote {
  FileRange where;
  std::string message;
};

// One diagnostic of a document, its range in that document.
struct Problem {
  std::string code;  // "E0200", stable (SPEC §1.9)
  Severity severity = Severity::Error;
  SourceRange range;
  std::string message;
  std::vector<ProblemNote> notes;
  bool unnecessary = false;  // unused or unreachable code, which editors may fade out
  // The edit that fixes it (W0001's rename to `_name`), always within the document.
  struct Fix {
    std::string title;
    SourceRange range;
    std::string replacement;
  };
  std::optional<Fix> fix;
};

// What the cursor is on: `code` is wf text (a declaration's signature, `name: type`, a type),
// `docs` the prose that goes with it (`///` comments, a builtin's doc); either may be empty.
struct HoverInfo {
  SourceRange range;
  std::string code;
  std::string docs;
};

enum class SymbolKind { Workflow, Step, Fn, Script, Library, Type, Const };

// A declaration of the document, with what it contains (a workflow's steps, a step's own steps).
struct Symbol {
  std::string name;
  SymbolKind kind = SymbolKind::Const;
  std::string detail;        // the signature or type, one line
  SourceRange range;         // the whole declaration
  SourceRange name_range;    // its name, within `range`
  std::vector<Symbol> children;
};

enum class CompletionKind {
  Keyword, Variable, Parameter, Constant, Fn, Workflow, Script, Library, Type, Field, Builtin, Annotation,
};

struct CompletionCandidate {
  std::string label;
  CompletionKind kind = CompletionKind::Keyword;
  std::string detail;       // a signature or a type
  std::string docs;
  std::string insert_text;  // empty: the label
};

// The document in its canonical layout (wf_format), or why it could not be formatted.
struct Formatting {
  bool ok = false;
  std::string text;   // when ok: the whole formatted document (equal to the input when it already was)
  std::string error;  // when not: syntax errors, or the formatter refusing its own layout
};

// What renaming the name at an offset would touch. `error` is set when it cannot be renamed (a
// builtin, a keyword, an invalid new name); otherwise `range` and `name` are the word under the
// cursor and `occurrences` every place the name is spelled, its declaration included.
struct Renaming {
  std::string error;
  SourceRange range;
  std::string name;
  std::vector<FileRange> occurrences;
};

// A part of the document an editor may fold away: `range` runs from its first byte to just after
// its last visible one (a block's stops before its closing `}`, which stays in view).
struct Fold {
  enum class Kind { Region, Comment };
  Kind kind = Kind::Region;
  SourceRange range;
};

// What a span of the document is, for an editor to colour: a word's meaning, where the checker
// knows it, rather than its spelling. The protocol's legend lists these in this order.
enum class TokenType { Keyword, Variable, Parameter, Function, Type, String, Number, Comment, Property, Annotation, JobKind };

struct SemanticToken {
  SourceRange range;  // may span lines (a multi-line string or block comment)
  TokenType type = TokenType::Variable;
};

// The signatures a call being typed may have (a builtin's overloads, or the one fn, workflow or
// script called), the one that fits best, and the argument the cursor is in.
struct SignatureInfo {
  std::string label;                // `len(s: string) -> int`
  std::vector<std::string> params;  // `s: string`, each as it reads within `label`
  std::string docs;
};
struct SignatureHelp {
  std::vector<SignatureInfo> signatures;
  uint32_t active_signature = 0;
  uint32_t active_parameter = 0;
};

// A declaration of an open document, for a search across the workspace.
struct WorkspaceSymbol {
  std::string path;
  Symbol symbol;           // without children: they are listed on their own
  std::string container;   // the declaration a step belongs to; empty at the top level
};

}  // namespace wf::analysis

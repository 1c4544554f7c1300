// What the analysis answers, as plain values in byte offsets: no JSON, no URIs, no UTF-16. The
// protocol layer (lsp/protocol) translates them for editors; anything else may use them as they are.
#pragma once

#include <cstdint>
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

}  // namespace wf::analysis

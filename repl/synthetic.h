// The module each input is compiled as, and the way back from its diagnostics to what the
// operator typed. The module is the session's loaded files (as imports), its declarations, and —
// for statements — a workflow `__repl__` whose parameters are the session's variables and whose
// body is the input, returning the variables again as a record:
//
//   import "/abs/loaded.wf"
//   <declarations, each as typed>
//   workflow __repl__(x: int, __var_n: int) -> {x: int, n: int, __value: string} {
//   var n = __var_n                  (a `var` is a parameter copied into a variable)
//   let __value = <the input>        (an expression input; otherwise the input alone)
//   return {x: x, n: n, __value: __value}
//   }
//
// Earlier inputs' effects are never replayed: only their results come back, as arguments.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "repl/session.h"
#include "source/source_file.h"

namespace wf {
class Compilation;
}

namespace wf::repl {

inline constexpr const char* kWorkflowName = "__repl__";
inline constexpr const char* kValueName = "__value";

enum class InputAs {
  None,          // declarations only (`:disasm NAME`)
  Declarations,  // the input joins the declarations
  Statements,    // the input is the workflow's body
  Expression,    // the input is the expression of `let __value =`
};

struct ResultField {
  std::string name, type;
};

struct SyntheticSpec {
  InputAs as = InputAs::None;
  std::string input;
  // Declarations the input replaces: left out, so the checker does not see two of a name.
  std::vector<std::string> replaced;
  // Statements and expressions: the record the workflow returns, once the first pass has told
  // its fields and types. nullopt: no result type and no `return` (the first pass).
  std::optional<std::vector<ResultField>> result;
};

// Where a stretch of the module's text came from.
struct Segment {
  enum class Kind { Load, Declaration, Input };
  Kind kind;
  uint32_t begin = 0, end = 0;  // bytes of the module's text
  size_t index = 0;             // into loaded() or declarations()
};

struct Synthetic {
  std::string text;
  std::vector<Segment> segments;
  uint32_t input_begin = 0, input_end = 0;  // the input's bytes in `text`
};

Synthetic build_synthetic(const Session& session, const SyntheticSpec& spec);

// The path the module is compiled under: a file in the working directory, so that an `import`
// typed at the prompt resolves from there.
std::string synthetic_path();

// Which diagnostics the operator is shown.
enum class Show {
  Errors,               // errors anywhere (the first pass, whose warnings are not final)
  ErrorsAndWarnings,    // errors anywhere, and warnings located in the input
};

// Diagnostics moved onto text the operator knows: file 0 is the input (`<input>`), an earlier
// declaration is the text of its input (`<input N>`), an imported file is itself. A note or fix
// that points into the module's scaffolding is dropped; a diagnostic there (a fault of the REPL
// itself) keeps the whole module as its file (`<session>`), so nothing is lost.
struct MappedDiagnostics {
  std::vector<std::unique_ptr<SourceFile>> files;
  std::vector<Diagnostic> diagnostics;
  size_t errors = 0;
};

// `diagnostics` are the compilation's own, or those of lowering its result.
MappedDiagnostics map_diagnostics(const Synthetic& synthetic, const Session& session, const Compilation& compilation,
                                  const std::vector<Diagnostic>& diagnostics, Show show);

// The mapped diagnostics as text (render_text for each).
std::string render(const MappedDiagnostics& mapped, bool color);

}  // namespace wf::repl

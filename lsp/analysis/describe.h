// How declarations, bindings and builtins are written on one line, for hover and completion:
// `fn over(h: HostHealth, limit: int) -> bool`, `let disk: Results`, `len(s: string) -> int`.
// Declarations are shown as written (their type expressions are sliced from the source), so an
// alias reads as the author named it.
#pragma once

#include <string>

#include "analysis/snapshot.h"
#include "stdlib/builtins.h"

namespace wf::analysis {

// The signature of a declaration in `file` (its annotations first, one per line, for a workflow).
std::string describe_decl(const SourceFile& file, const Decl& decl, bool with_annotations = true);
// `name: type` of a local or parameter, `let`/`var` first for a local; `written` (when not empty)
// is the type as the declaration wrote it, shown instead of the checked one.
std::string describe_binding(const Binding& binding, const std::string& written = {});
// `name(params) -> result` of one builtin overload.
std::string describe_builtin(const stdlib::BuiltinSignature& overload);

}  // namespace wf::analysis

// Name resolution and type checking of a set of modules (SPEC §1.2–§1.9). Checking never fails:
// it annotates the AST (expression types, name bindings, call targets) as far as it can and
// reports every mistake to the sink. It sees modules through CheckInput, not through whoever
// loaded them.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "syntax/ast.h"

namespace wf {

class TypeContext;
struct Binding;

struct CheckInput {
  // modules[i] is the module parsed from file i; every Module::file equals its index.
  std::vector<Module*> modules;
  // imports[i]: (index of the import declaration in modules[i], index of the imported module).
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> imports;
  // sources[i] is file i's text, which fixes quote (`float(n)`); without it, no such fixes.
  std::vector<const SourceFile*> sources;
};

// `bindings` receives every Binding the AST's NameExprs point to; it must outlive the trees' use.
void check_modules(const CheckInput& input, TypeContext& types, std::deque<Binding>& bindings, DiagnosticSink& sink);

}  // namespace wf

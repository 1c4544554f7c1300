// Name resolution and type checking of every module of a Compilation (SPEC §1.2–§1.9). Checking
// never fails: it annotates the AST (expression types, name bindings, call targets) as far as it
// can and reports every mistake to the sink.
#pragma once

#include "diagnostics/diagnostic.h"

namespace wf {

class Compilation;

void check_modules(Compilation& compilation, DiagnosticSink& sink);

}  // namespace wf

// What a name stands for once resolved: a Binding. Locals, parameters and module-level
// declarations are all bindings; the checker links every NameExpr to one.
#pragma once

#include <string>

#include "diagnostics/diagnostic.h"

namespace wf {

struct Type;
struct Decl;

enum class BindingKind { Local, Param, Const, Fn, Workflow, Script, Library };

struct Binding {
  std::string name;
  BindingKind kind = BindingKind::Local;
  bool is_mutable = false;  // `var`
  const Type* type = nullptr;
  Location where;             // the name in its declaration
  const Decl* decl = nullptr; // module-level declarations
  // A narrowed view (`if x != none`) refers to the binding it narrows.
  const Binding* narrows = nullptr;
  int param_index = -1;        // for parameters: their position, which is their register
  mutable bool used = false;
  bool warn_unused = false;  // locals other than `_`-prefixed ones
};

}  // namespace wf

// Pre-order traversal of the AST: calls a visitor on every expression and statement under a
// node, children in source order. Missing children (holes left by error recovery) are skipped.
#pragma once

#include <functional>

#include "syntax/ast.h"

namespace wf {

struct AstVisitor {
  std::function<void(Expr&)> on_expr;  // may be empty
  std::function<void(Stmt&)> on_stmt;  // may be empty
};

void walk(Expr* e, const AstVisitor& v);
void walk(Stmt* s, const AstVisitor& v);
void walk(Block& b, const AstVisitor& v);
void walk(Decl& d, const AstVisitor& v);

}  // namespace wf

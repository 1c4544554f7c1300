// Small helpers on AST nodes.
#include "syntax/ast.h"

namespace wf {

bool StringExpr::is_plain() const {
  for (const auto& p : parts)
    if (p.expr) return false;
  return true;
}

std::string StringExpr::plain_text() const {
  std::string out;
  for (const auto& p : parts)
    if (!p.expr) out += p.text;
  return out;
}

const char* binary_op_text(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::Mod: return "%";
    case BinaryOp::Eq: return "==";
    case BinaryOp::Ne: return "!=";
    case BinaryOp::Lt: return "<";
    case BinaryOp::Le: return "<=";
    case BinaryOp::Gt: return ">";
    case BinaryOp::Ge: return ">=";
    case BinaryOp::And: return "and";
    case BinaryOp::Or: return "or";
  }
  return "?";
}

}  // namespace wf

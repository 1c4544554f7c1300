// A walk over every node and every source range of a wf syntax tree, for the unit tests that
// check properties of whole trees (ranges in bounds, which constructs the samples use).
#pragma once

#include <vector>

#include "syntax/ast.h"

namespace wf::test_support {

// Hooks called once per node. `range` sees every range the tree holds (nodes, names, string
// parts, clause keywords...) together with the range of the node that holds it, so a test can
// check bounds or containment without knowing each node's layout.
class AstVisitor {
 public:
  virtual ~AstVisitor() = default;
  virtual void decl(const Decl&) {}
  virtual void stmt(const Stmt&) {}
  virtual void expr(const Expr&) {}
  virtual void type(const TypeExpr&) {}
  virtual void range(SourceRange, SourceRange /*parent*/, const char* /*what*/) {}
};

// Walks `module` with an explicit stack rather than recursion: the robustness tests feed the
// walker trees as deep as the parser accepts, and the walk itself must not be what overflows.
class AstWalker {
 public:
  explicit AstWalker(AstVisitor& v) : v_(v) {}

  void walk(const Module& m) {
    for (const auto& d : m.decls) push(d.get(), SourceRange{});
    while (!work_.empty()) {
      const Item item = work_.back();
      work_.pop_back();
      switch (item.what) {
        case What::Decl: visit(*static_cast<const Decl*>(item.node)); break;
        case What::Stmt: visit(*static_cast<const Stmt*>(item.node), item.parent); break;
        case What::Expr: visit(*static_cast<const Expr*>(item.node), item.parent); break;
        case What::Type: visit(*static_cast<const TypeExpr*>(item.node), item.parent); break;
        case What::Block: visit(*static_cast<const Block*>(item.node), item.parent); break;
      }
    }
  }

 private:
  enum class What { Decl, Stmt, Expr, Type, Block };
  struct Item {
    What what;
    const void* node;
    SourceRange parent;
  };

  void push(const Decl* d, SourceRange p) { if (d) work_.push_back({What::Decl, d, p}); }
  void push(const Stmt* s, SourceRange p) { if (s) work_.push_back({What::Stmt, s, p}); }
  void push(const Expr* e, SourceRange p) { if (e) work_.push_back({What::Expr, e, p}); }
  void push(const TypeExpr* t, SourceRange p) { if (t) work_.push_back({What::Type, t, p}); }
  void push(const Block* b, SourceRange p) { if (b) work_.push_back({What::Block, b, p}); }
  void name(const Ident& id, SourceRange p, const char* what) { if (!id.empty()) v_.range(id.range, p, what); }

  void retry(const RetryPolicy* r, SourceRange p) {
    if (!r) return;
    v_.range(r->range, p, "retry clause");
    push(r->count.get(), p);
    push(r->every.get(), p);
    push(r->backoff.get(), p);
  }

  void args(const std::vector<Arg>& list, SourceRange p) {
    for (const Arg& a : list) {
      v_.range(a.range, p, "argument");
      name(a.name, a.range, "argument name");
      push(a.value.get(), a.range);
    }
  }

  void params(const std::vector<Param>& list, SourceRange p) {
    for (const Param& param : list) {
      v_.range(param.range, p, "parameter");
      name(param.name, param.range, "parameter name");
      push(param.type.get(), param.range);
      push(param.default_value.get(), param.range);
    }
  }

  void visit(const Decl& d) {
    v_.decl(d);
    v_.range(d.range, SourceRange{}, "declaration");
    const SourceRange r = d.range;
    name(d.name, r, "declaration name");
    for (const Annotation& a : d.annotations) {
      v_.range(a.range, SourceRange{}, "annotation");
      name(a.name, a.range, "annotation name");
      for (const AnnotationArg& arg : a.args) {
        name(arg.name, a.range, "annotation argument name");
        push(arg.value.get(), a.range);
      }
    }
    switch (d.kind) {
      case DeclKind::Import:
        v_.range(static_cast<const ImportDecl&>(d).path_range, r, "import path");
        break;
      case DeclKind::Const: {
        const auto& c = static_cast<const ConstDecl&>(d);
        push(c.declared.get(), r);
        push(c.value.get(), r);
        break;
      }
      case DeclKind::Type:
        push(static_cast<const TypeDecl&>(d).aliased.get(), r);
        break;
      case DeclKind::Fn: {
        const auto& f = static_cast<const FnDecl&>(d);
        params(f.params, r);
        push(f.result.get(), r);
        push(&f.body, r);
        break;
      }
      case DeclKind::Library:
      case DeclKind::Script: {
        const auto& s = static_cast<const ScriptDecl&>(d);
        params(s.params, r);
        for (const Setting& setting : s.settings) {
          v_.range(setting.range, r, "setting");
          name(setting.key, setting.range, "setting key");
          push(setting.value.get(), setting.range);
        }
        break;
      }
      case DeclKind::Workflow: {
        const auto& w = static_cast<const WorkflowDecl&>(d);
        params(w.params, r);
        push(w.result.get(), r);
        push(&w.body, r);
        break;
      }
    }
  }

  void visit(const Block& b, SourceRange parent) {
    v_.range(b.range, parent, "block");
    for (const auto& s : b.stmts) push(s.get(), b.range);
  }

  void visit(const TypeExpr& t, SourceRange parent) {
    v_.type(t);
    v_.range(t.range, parent, "type");
    switch (t.kind) {
      case TypeExprKind::Named: {
        const auto& n = static_cast<const NamedTypeExpr&>(t);
        name(n.name, t.range, "type name");
        for (const auto& a : n.args) push(a.get(), t.range);
        break;
      }
      case TypeExprKind::Record:
        for (const FieldTypeExpr& f : static_cast<const RecordTypeExpr&>(t).fields) {
          name(f.name, t.range, "field name");
          push(f.type.get(), t.range);
        }
        break;
      case TypeExprKind::Optional:
        push(static_cast<const OptionalTypeExpr&>(t).inner.get(), t.range);
        break;
    }
  }

  void visit(const Stmt& s, SourceRange parent) {
    v_.stmt(s);
    v_.range(s.range, parent, "statement");
    const SourceRange r = s.range;
    switch (s.kind) {
      case StmtKind::Let: {
        const auto& x = static_cast<const LetStmt&>(s);
        name(x.name, r, "binding name");
        push(x.declared.get(), r);
        push(x.init.get(), r);
        break;
      }
      case StmtKind::Assign: {
        const auto& x = static_cast<const AssignStmt&>(s);
        name(x.name, r, "assigned name");
        push(x.value.get(), r);
        break;
      }
      case StmtKind::If: {
        const auto& x = static_cast<const IfStmt&>(s);
        push(x.cond.get(), r);
        push(&x.then_block, r);
        push(x.else_if.get(), r);
        push(x.else_block.get(), r);
        break;
      }
      case StmtKind::For: {
        const auto& x = static_cast<const ForStmt&>(s);
        name(x.var, r, "loop variable");
        push(x.iterable.get(), r);
        push(&x.body, r);
        break;
      }
      case StmtKind::While: {
        const auto& x = static_cast<const WhileStmt&>(s);
        push(x.cond.get(), r);
        push(&x.body, r);
        break;
      }
      case StmtKind::Break:
      case StmtKind::Continue:
        break;
      case StmtKind::Return:
        push(static_cast<const ReturnStmt&>(s).value.get(), r);
        break;
      case StmtKind::Fail:
        push(static_cast<const FailStmt&>(s).message.get(), r);
        break;
      case StmtKind::Log:
        push(static_cast<const LogStmt&>(s).message.get(), r);
        break;
      case StmtKind::Try: {
        const auto& x = static_cast<const TryStmt&>(s);
        push(&x.body, r);
        name(x.catch_var, r, "catch variable");
        if (x.has_catch) push(&x.catch_block, r);
        push(x.finally_block.get(), r);
        break;
      }
      case StmtKind::Step: {
        const auto& x = static_cast<const StepStmt&>(s);
        push(x.name.get(), r);
        retry(x.retry.get(), r);
        push(x.timeout.get(), r);
        push(&x.body, r);
        break;
      }
      case StmtKind::Sleep:
        push(static_cast<const SleepStmt&>(s).value.get(), r);
        break;
      case StmtKind::Checkout: {
        const auto& x = static_cast<const CheckoutStmt&>(s);
        name(x.var, r, "checkout variable");
        push(x.identity.get(), r);
        push(x.reason.get(), r);
        push(x.ttl.get(), r);
        push(&x.body, r);
        break;
      }
      case StmtKind::Parallel:
        for (const Branch& b : static_cast<const ParallelStmt&>(s).branches) {
          v_.range(b.range, r, "branch");
          push(b.name.get(), b.range);
          push(&b.body, b.range);
        }
        break;
      case StmtKind::ParallelFor: {
        const auto& x = static_cast<const ParallelForStmt&>(s);
        name(x.var, r, "loop variable");
        push(x.iterable.get(), r);
        push(x.limit.get(), r);
        push(&x.body, r);
        break;
      }
      case StmtKind::Notify: {
        const auto& x = static_cast<const NotifyStmt&>(s);
        push(x.message.get(), r);
        push(x.to.get(), r);
        break;
      }
      case StmtKind::Expr:
        push(static_cast<const ExprStmt&>(s).expr.get(), r);
        break;
    }
  }

  void visit(const Expr& e, SourceRange parent) {
    v_.expr(e);
    v_.range(e.range, parent, "expression");
    const SourceRange r = e.range;
    switch (e.kind) {
      case ExprKind::Error: case ExprKind::Int: case ExprKind::Float: case ExprKind::Bool:
      case ExprKind::None: case ExprKind::Duration: case ExprKind::Percent:
        break;
      case ExprKind::String:
        for (const StringPart& p : static_cast<const StringExpr&>(e).parts) {
          v_.range(p.range, r, "string part");
          push(p.expr.get(), p.range);
        }
        break;
      case ExprKind::Name:
        name(static_cast<const NameExpr&>(e).name, r, "name");
        break;
      case ExprKind::List:
        for (const auto& item : static_cast<const ListExpr&>(e).items) push(item.get(), r);
        break;
      case ExprKind::Record:
        for (const RecordEntry& f : static_cast<const RecordExpr&>(e).fields) {
          name(f.name, r, "field name");
          push(f.value.get(), r);
        }
        break;
      case ExprKind::Map:
        for (const MapEntry& m : static_cast<const MapExpr&>(e).entries) {
          v_.range(m.key_range, r, "map key");
          push(m.value.get(), r);
        }
        break;
      case ExprKind::Field: {
        const auto& x = static_cast<const FieldExpr&>(e);
        push(x.object.get(), r);
        name(x.field, r, "field name");
        break;
      }
      case ExprKind::Index: {
        const auto& x = static_cast<const IndexExpr&>(e);
        push(x.object.get(), r);
        push(x.index.get(), r);
        break;
      }
      case ExprKind::Call: {
        const auto& x = static_cast<const CallExpr&>(e);
        push(x.callee.get(), r);
        v_.range(x.args_range, r, "argument list");
        args(x.args, r);
        break;
      }
      case ExprKind::Unary:
        push(static_cast<const UnaryExpr&>(e).operand.get(), r);
        break;
      case ExprKind::Binary: {
        const auto& x = static_cast<const BinaryExpr&>(e);
        v_.range(x.op_range, r, "operator");
        push(x.lhs.get(), r);
        push(x.rhs.get(), r);
        break;
      }
      case ExprKind::Run: {
        const auto& x = static_cast<const RunExpr&>(e);
        name(x.script, r, "script name");
        args(x.script_args, r);
        name(x.kind_name, r, "job kind");
        push(x.payload.get(), r);
        push(x.on.get(), r);
        push(x.timeout.get(), r);
        retry(x.retry.get(), r);
        push(x.as.get(), r);
        name(x.priority, r, "priority");
        for (const auto& [clause, where] : x.clauses) v_.range(where, r, "run clause");
        break;
      }
      case ExprKind::Approve: {
        const auto& x = static_cast<const ApproveExpr&>(e);
        push(x.title.get(), r);
        push(x.by.get(), r);
        name(x.quorum, r, "quorum");
        push(x.timeout.get(), r);
        for (const auto& [clause, where] : x.clauses) v_.range(where, r, "approve clause");
        break;
      }
      case ExprKind::WaitEvent: {
        const auto& x = static_cast<const WaitEventExpr&>(e);
        push(x.event.get(), r);
        push(x.timeout.get(), r);
        break;
      }
    }
  }

  AstVisitor& v_;
  std::vector<Item> work_;
};

inline void walk(const Module& m, AstVisitor& v) { AstWalker(v).walk(m); }

}  // namespace wf::test_support

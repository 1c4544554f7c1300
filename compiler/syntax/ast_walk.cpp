// The AST traversal (see ast_walk.h).
#include "syntax/ast_walk.h"

namespace wf {

namespace {
void walk_args(std::vector<Arg>& args, const AstVisitor& v) {
  for (Arg& a : args) walk(a.value.get(), v);
}
void walk_retry(RetryPolicy* r, const AstVisitor& v) {
  if (!r) return;
  walk(r->count.get(), v);
  walk(r->every.get(), v);
  walk(r->backoff.get(), v);
}
}  // namespace

void walk(Expr* e, const AstVisitor& v) {
  if (!e) return;
  if (v.on_expr) v.on_expr(*e);
  switch (e->kind) {
    case ExprKind::String:
      for (StringPart& p : static_cast<StringExpr*>(e)->parts) walk(p.expr.get(), v);
      break;
    case ExprKind::List:
      for (auto& item : static_cast<ListExpr*>(e)->items) walk(item.get(), v);
      break;
    case ExprKind::Record:
      for (auto& f : static_cast<RecordExpr*>(e)->fields) walk(f.value.get(), v);
      break;
    case ExprKind::Map:
      for (auto& m : static_cast<MapExpr*>(e)->entries) walk(m.value.get(), v);
      break;
    case ExprKind::Field: walk(static_cast<FieldExpr*>(e)->object.get(), v); break;
    case ExprKind::Index: {
      auto* i = static_cast<IndexExpr*>(e);
      walk(i->object.get(), v);
      walk(i->index.get(), v);
      break;
    }
    case ExprKind::Call: {
      auto* c = static_cast<CallExpr*>(e);
      walk(c->callee.get(), v);
      walk_args(c->args, v);
      break;
    }
    case ExprKind::Unary: walk(static_cast<UnaryExpr*>(e)->operand.get(), v); break;
    case ExprKind::Binary: {
      auto* b = static_cast<BinaryExpr*>(e);
      walk(b->lhs.get(), v);
      walk(b->rhs.get(), v);
      break;
    }
    case ExprKind::Run: {
      auto* r = static_cast<RunExpr*>(e);
      walk_args(r->script_args, v);
      walk(r->payload.get(), v);
      walk(r->on.get(), v);
      walk(r->timeout.get(), v);
      walk_retry(r->retry.get(), v);
      walk(r->as.get(), v);
      break;
    }
    case ExprKind::Approve: {
      auto* a = static_cast<ApproveExpr*>(e);
      walk(a->title.get(), v);
      walk(a->by.get(), v);
      walk(a->timeout.get(), v);
      break;
    }
    case ExprKind::WaitEvent: {
      auto* w = static_cast<WaitEventExpr*>(e);
      walk(w->event.get(), v);
      walk(w->timeout.get(), v);
      break;
    }
    default:
      break;
  }
}

void walk(Block& b, const AstVisitor& v) {
  for (auto& s : b.stmts) walk(s.get(), v);
}

void walk(Stmt* s, const AstVisitor& v) {
  if (!s) return;
  if (v.on_stmt) v.on_stmt(*s);
  switch (s->kind) {
    case StmtKind::Let: walk(static_cast<LetStmt*>(s)->init.get(), v); break;
    case StmtKind::Assign: walk(static_cast<AssignStmt*>(s)->value.get(), v); break;
    case StmtKind::If: {
      auto* i = static_cast<IfStmt*>(s);
      walk(i->cond.get(), v);
      walk(i->then_block, v);
      walk(i->else_if.get(), v);
      if (i->else_block) walk(*i->else_block, v);
      break;
    }
    case StmtKind::For: {
      auto* f = static_cast<ForStmt*>(s);
      walk(f->iterable.get(), v);
      walk(f->body, v);
      break;
    }
    case StmtKind::While: {
      auto* w = static_cast<WhileStmt*>(s);
      walk(w->cond.get(), v);
      walk(w->body, v);
      break;
    }
    case StmtKind::Return: walk(static_cast<ReturnStmt*>(s)->value.get(), v); break;
    case StmtKind::Fail: walk(static_cast<FailStmt*>(s)->message.get(), v); break;
    case StmtKind::Log: walk(static_cast<LogStmt*>(s)->message.get(), v); break;
    case StmtKind::Try: {
      auto* t = static_cast<TryStmt*>(s);
      walk(t->body, v);
      if (t->has_catch) walk(t->catch_block, v);
      if (t->finally_block) walk(*t->finally_block, v);
      break;
    }
    case StmtKind::Step: {
      auto* st = static_cast<StepStmt*>(s);
      walk(st->name.get(), v);
      walk_retry(st->retry.get(), v);
      walk(st->timeout.get(), v);
      walk(st->body, v);
      break;
    }
    case StmtKind::Sleep: walk(static_cast<SleepStmt*>(s)->value.get(), v); break;
    case StmtKind::Checkout: {
      auto* c = static_cast<CheckoutStmt*>(s);
      walk(c->identity.get(), v);
      walk(c->reason.get(), v);
      walk(c->ttl.get(), v);
      walk(c->body, v);
      break;
    }
    case StmtKind::Parallel:
      for (Branch& b : static_cast<ParallelStmt*>(s)->branches) {
        walk(b.name.get(), v);
        walk(b.body, v);
      }
      break;
    case StmtKind::ParallelFor: {
      auto* p = static_cast<ParallelForStmt*>(s);
      walk(p->iterable.get(), v);
      walk(p->limit.get(), v);
      walk(p->body, v);
      break;
    }
    case StmtKind::Notify: {
      auto* n = static_cast<NotifyStmt*>(s);
      walk(n->message.get(), v);
      walk(n->to.get(), v);
      break;
    }
    case StmtKind::Expr: walk(static_cast<ExprStmt*>(s)->expr.get(), v); break;
    default: break;
  }
}

void walk(Decl& d, const AstVisitor& v) {
  for (Annotation& a : d.annotations)
    for (AnnotationArg& arg : a.args) walk(arg.value.get(), v);
  switch (d.kind) {
    case DeclKind::Const: walk(static_cast<ConstDecl&>(d).value.get(), v); break;
    case DeclKind::Fn: {
      auto& f = static_cast<FnDecl&>(d);
      for (Param& p : f.params) walk(p.default_value.get(), v);
      walk(f.body, v);
      break;
    }
    case DeclKind::Workflow: {
      auto& w = static_cast<WorkflowDecl&>(d);
      for (Param& p : w.params) walk(p.default_value.get(), v);
      walk(w.body, v);
      break;
    }
    case DeclKind::Script:
    case DeclKind::Library: {
      auto& s = static_cast<ScriptDecl&>(d);
      for (Param& p : s.params) walk(p.default_value.get(), v);
      for (Setting& st : s.settings) walk(st.value.get(), v);
      break;
    }
    default: break;
  }
}

}  // namespace wf

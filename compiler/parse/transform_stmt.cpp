// Transformer: blocks and statements.
#include <typeinfo>

#include "parse/transformer.h"

namespace wf {

Block Transformer::block(P::BlockContext* ctx, SourceRange fallback) {
  Block b;
  if (!ctx) {
    b.range = {fallback.end, fallback.end};
    return b;
  }
  b.range = range(ctx);
  for (auto* s : ctx->stmt())
    if (auto st = stmt(s)) b.stmts.push_back(std::move(st));
  return b;
}

std::unique_ptr<RetryPolicy> Transformer::retry(antlr4::ParserRuleContext* ctx, P::ExprContext* count,
                                                P::ExprContext* every, P::ExprContext* backoff) {
  auto r = std::make_unique<RetryPolicy>();
  r->range = range(ctx);
  r->count = expr(count, r->range);
  if (every) r->every = expr(every, r->range);
  if (backoff) r->backoff = expr(backoff, r->range);
  return r;
}

// `if` statements and `else if` links share one shape: a condition, a block, then an optional
// `else` that is another link or a final block.
Own<Stmt> Transformer::if_chain(P::ExprContext* cond, const std::vector<P::BlockContext*>& blocks,
                                P::IfElseContext* else_if, SourceRange where) {
  DepthGuard guard(depth_);
  auto s = std::make_unique<IfStmt>();
  if (too_deep(where)) {
    s->range = where;
    return s;
  }
  s->range = where;
  s->cond = expr(cond, where);
  s->then_block = block(blocks.empty() ? nullptr : blocks[0], where);
  if (else_if) s->else_if = if_chain(else_if->expr(), else_if->block(), else_if->ifElse(), range(else_if));
  else if (blocks.size() > 1) s->else_block = std::make_unique<Block>(block(blocks[1], where));
  return s;
}

Own<Stmt> Transformer::stmt(P::StmtContext* ctx) {
  DepthGuard guard(depth_);
  const std::type_info& kind = typeid(*ctx);
  const SourceRange where = range(ctx);
  if (too_deep(where)) return nullptr;
  Own<Stmt> out;
  if (kind == typeid(P::ExprStmtContext)) {
    auto* c = static_cast<P::ExprStmtContext*>(ctx);
    auto s = std::make_unique<ExprStmt>();
    s->expr = expr(c->expr(), where);
    out = std::move(s);
  } else if (kind == typeid(P::LetStmtContext)) {
    auto* c = static_cast<P::LetStmtContext*>(ctx);
    auto s = std::make_unique<LetStmt>();
    s->is_var = c->VAR() != nullptr;
    s->name = ident(c->ident());
    if (c->typeExpr()) s->declared = type(c->typeExpr());
    s->init = expr(c->expr(), where);
    out = std::move(s);
  } else if (kind == typeid(P::AssignStmtContext)) {
    auto* c = static_cast<P::AssignStmtContext*>(ctx);
    auto s = std::make_unique<AssignStmt>();
    s->name = ident(c->ident());
    s->value = expr(c->expr(), where);
    out = std::move(s);
  } else if (kind == typeid(P::IfStmtContext)) {
    auto* c = static_cast<P::IfStmtContext*>(ctx);
    out = if_chain(c->expr(), c->block(), c->ifElse(), where);
  } else if (kind == typeid(P::ForStmtContext)) {
    auto* c = static_cast<P::ForStmtContext*>(ctx);
    auto s = std::make_unique<ForStmt>();
    s->var = ident(c->ident());
    s->iterable = expr(c->expr(), where);
    s->body = block(c->block(), where);
    out = std::move(s);
  } else if (kind == typeid(P::WhileStmtContext)) {
    auto* c = static_cast<P::WhileStmtContext*>(ctx);
    auto s = std::make_unique<WhileStmt>();
    s->cond = expr(c->expr(), where);
    s->body = block(c->block(), where);
    out = std::move(s);
  } else if (kind == typeid(P::BreakStmtContext)) {
    out = std::make_unique<BreakStmt>();
  } else if (kind == typeid(P::ContinueStmtContext)) {
    out = std::make_unique<ContinueStmt>();
  } else if (kind == typeid(P::ReturnStmtContext)) {
    auto* c = static_cast<P::ReturnStmtContext*>(ctx);
    auto s = std::make_unique<ReturnStmt>();
    if (c->expr()) s->value = expr(c->expr(), where);
    out = std::move(s);
  } else if (kind == typeid(P::FailStmtContext)) {
    auto s = std::make_unique<FailStmt>();
    s->message = expr(static_cast<P::FailStmtContext*>(ctx)->expr(), where);
    out = std::move(s);
  } else if (kind == typeid(P::LogStmtContext)) {
    auto s = std::make_unique<LogStmt>();
    s->message = expr(static_cast<P::LogStmtContext*>(ctx)->expr(), where);
    out = std::move(s);
  } else if (kind == typeid(P::TryStmtContext)) {
    auto* c = static_cast<P::TryStmtContext*>(ctx);
    auto s = std::make_unique<TryStmt>();
    auto blocks = c->block();
    size_t next = 0;
    s->body = block(next < blocks.size() ? blocks[next++] : nullptr, where);
    if (c->CATCH()) {
      s->has_catch = true;
      s->catch_var = ident(c->ident());
      s->catch_block = block(next < blocks.size() ? blocks[next++] : nullptr, where);
    }
    if (c->FINALLY()) s->finally_block = std::make_unique<Block>(block(next < blocks.size() ? blocks[next] : nullptr, where));
    out = std::move(s);
  } else if (kind == typeid(P::StepStmtContext)) {
    auto* c = static_cast<P::StepStmtContext*>(ctx);
    auto s = std::make_unique<StepStmt>();
    s->name = expr(c->expr(), where);
    for (auto* policy : c->stepPolicy()) {
      if (auto* r = dynamic_cast<P::StepRetryContext*>(policy)) {
        auto e = r->expr();
        if (s->retry) error(DiagCode::BadAnnotation, range(r), "`retry` is given twice");
        s->retry = retry(r, e.size() > 0 ? e[0] : nullptr, r->EVERY() && e.size() > 1 ? e[1] : nullptr,
                         r->BACKOFF() && e.size() > 1 ? e.back() : nullptr);
      } else if (auto* t = dynamic_cast<P::StepTimeoutContext*>(policy)) {
        if (s->timeout) error(DiagCode::BadAnnotation, range(t), "`timeout` is given twice");
        s->timeout = expr(t->expr(), range(t));
      }
    }
    s->body = block(c->block(), where);
    out = std::move(s);
  } else if (kind == typeid(P::SleepStmtContext)) {
    auto* c = static_cast<P::SleepStmtContext*>(ctx);
    auto s = std::make_unique<SleepStmt>();
    s->until = c->UNTIL() != nullptr;
    s->value = expr(c->expr(), where);
    out = std::move(s);
  } else if (kind == typeid(P::CheckoutStmtContext)) {
    auto* c = static_cast<P::CheckoutStmtContext*>(ctx);
    auto s = std::make_unique<CheckoutStmt>();
    s->var = ident(c->ident());
    s->identity = expr(c->expr(), where);
    for (auto* clause : c->checkoutClause()) {
      if (auto* r = dynamic_cast<P::CheckoutReasonContext*>(clause)) {
        if (s->reason) error(DiagCode::BadAnnotation, range(r), "`reason` is given twice");
        s->reason = expr(r->expr(), range(r));
      } else if (auto* t = dynamic_cast<P::CheckoutTtlContext*>(clause)) {
        if (s->ttl) error(DiagCode::BadAnnotation, range(t), "`ttl` is given twice");
        s->ttl = expr(t->expr(), range(t));
      }
    }
    s->body = block(c->block(), where);
    out = std::move(s);
  } else if (kind == typeid(P::ParallelStmtContext)) {
    auto* c = static_cast<P::ParallelStmtContext*>(ctx);
    auto s = std::make_unique<ParallelStmt>();
    for (auto* b : c->branch()) {
      Branch branch;
      branch.range = range(b);
      branch.name = expr(b->expr(), branch.range);
      branch.body = block(b->block(), branch.range);
      s->branches.push_back(std::move(branch));
    }
    out = std::move(s);
  } else if (kind == typeid(P::ParallelForStmtContext)) {
    auto* c = static_cast<P::ParallelForStmtContext*>(ctx);
    auto s = std::make_unique<ParallelForStmt>();
    s->var = ident(c->ident());
    auto e = c->expr();
    s->iterable = expr(e.size() > 0 ? e[0] : nullptr, where);
    if (c->LIMIT()) s->limit = expr(e.size() > 1 ? e[1] : nullptr, where);
    s->body = block(c->block(), where);
    out = std::move(s);
  } else if (kind == typeid(P::NotifyStmtContext)) {
    auto* c = static_cast<P::NotifyStmtContext*>(ctx);
    auto s = std::make_unique<NotifyStmt>();
    auto e = c->expr();
    s->message = expr(e.size() > 0 ? e[0] : nullptr, where);
    s->to = expr(e.size() > 1 ? e[1] : nullptr, where);
    out = std::move(s);
  } else {
    return nullptr;  // a statement error recovery could not shape
  }
  out->range = where;
  return out;
}

}  // namespace wf

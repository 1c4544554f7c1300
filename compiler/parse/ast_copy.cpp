// Copying syntax trees with their ranges moved (see ast_copy.h). Every field the transformer sets
// is copied here; a field added to the AST must be added here too, or a reused declaration would
// differ from a freshly parsed one (tests/unit/lsp_decl_reparse_test.cpp compares them).
#include "parse/ast_copy.h"

namespace wf {

namespace {

class Copier {
 public:
  explicit Copier(int64_t shift) : shift_(shift) {}

  // An empty range at 0 is one the parser never set (a positional argument's name): it stays so.
  SourceRange range(SourceRange r) const {
    if (r.begin == 0 && r.end == 0) return r;
    return {static_cast<uint32_t>(r.begin + shift_), static_cast<uint32_t>(r.end + shift_)};
  }
  Ident ident(const Ident& id) const { return {id.text, range(id.range)}; }

  // ---- types

  Own<TypeExpr> type(const TypeExpr* t) const {
    if (!t) return nullptr;
    Own<TypeExpr> out;
    switch (t->kind) {
      case TypeExprKind::Named: {
        const auto& in = static_cast<const NamedTypeExpr&>(*t);
        auto n = std::make_unique<NamedTypeExpr>();
        n->name = ident(in.name);
        for (const auto& a : in.args) n->args.push_back(type(a.get()));
        out = std::move(n);
        break;
      }
      case TypeExprKind::Record: {
        const auto& in = static_cast<const RecordTypeExpr&>(*t);
        auto r = std::make_unique<RecordTypeExpr>();
        for (const FieldTypeExpr& f : in.fields) r->fields.push_back({ident(f.name), type(f.type.get())});
        out = std::move(r);
        break;
      }
      case TypeExprKind::Optional: {
        auto o = std::make_unique<OptionalTypeExpr>();
        o->inner = type(static_cast<const OptionalTypeExpr&>(*t).inner.get());
        out = std::move(o);
        break;
      }
    }
    out->range = range(t->range);
    return out;
  }

  // ---- expressions

  std::vector<Arg> args(const std::vector<Arg>& in) const {
    std::vector<Arg> out;
    out.reserve(in.size());
    for (const Arg& a : in) out.push_back({ident(a.name), expr(a.value.get()), range(a.range)});
    return out;
  }

  std::unique_ptr<RetryPolicy> retry(const RetryPolicy* r) const {
    if (!r) return nullptr;
    auto out = std::make_unique<RetryPolicy>();
    out->count = expr(r->count.get());
    out->every = expr(r->every.get());
    out->backoff = expr(r->backoff.get());
    out->range = range(r->range);
    return out;
  }

  std::vector<std::pair<std::string, SourceRange>> clauses(const std::vector<std::pair<std::string, SourceRange>>& in) const {
    std::vector<std::pair<std::string, SourceRange>> out;
    out.reserve(in.size());
    for (const auto& [word, where] : in) out.emplace_back(word, range(where));
    return out;
  }

  template <class T>
  static std::unique_ptr<T> make() { return std::make_unique<T>(); }

  Own<Expr> expr(const Expr* e) const {
    if (!e) return nullptr;
    Own<Expr> out;
    switch (e->kind) {
      case ExprKind::Error: out = make<ErrorExpr>(); break;
      case ExprKind::Int: { auto x = make<IntExpr>(); x->value = static_cast<const IntExpr&>(*e).value; out = std::move(x); break; }
      case ExprKind::Float: { auto x = make<FloatExpr>(); x->value = static_cast<const FloatExpr&>(*e).value; out = std::move(x); break; }
      case ExprKind::Bool: { auto x = make<BoolExpr>(); x->value = static_cast<const BoolExpr&>(*e).value; out = std::move(x); break; }
      case ExprKind::None: out = make<NoneExpr>(); break;
      case ExprKind::Duration: {
        auto x = make<DurationExpr>();
        x->millis = static_cast<const DurationExpr&>(*e).millis;
        out = std::move(x);
        break;
      }
      case ExprKind::Percent: {
        auto x = make<PercentExpr>();
        x->value = static_cast<const PercentExpr&>(*e).value;
        out = std::move(x);
        break;
      }
      case ExprKind::String: {
        const auto& in = static_cast<const StringExpr&>(*e);
        auto x = make<StringExpr>();
        x->raw = in.raw;
        x->parts.reserve(in.parts.size());
        for (const StringPart& p : in.parts) x->parts.push_back({p.text, expr(p.expr.get()), range(p.range)});
        out = std::move(x);
        break;
      }
      case ExprKind::Name: {
        auto x = make<NameExpr>();
        x->name = ident(static_cast<const NameExpr&>(*e).name);
        out = std::move(x);
        break;
      }
      case ExprKind::List: {
        auto x = make<ListExpr>();
        for (const auto& item : static_cast<const ListExpr&>(*e).items) x->items.push_back(expr(item.get()));
        out = std::move(x);
        break;
      }
      case ExprKind::Record: {
        auto x = make<RecordExpr>();
        for (const RecordEntry& f : static_cast<const RecordExpr&>(*e).fields)
          x->fields.push_back({ident(f.name), expr(f.value.get())});
        out = std::move(x);
        break;
      }
      case ExprKind::Map: {
        auto x = make<MapExpr>();
        for (const MapEntry& m : static_cast<const MapExpr&>(*e).entries)
          x->entries.push_back({m.key, range(m.key_range), expr(m.value.get())});
        out = std::move(x);
        break;
      }
      case ExprKind::Field: {
        const auto& in = static_cast<const FieldExpr&>(*e);
        auto x = make<FieldExpr>();
        x->object = expr(in.object.get());
        x->field = ident(in.field);
        out = std::move(x);
        break;
      }
      case ExprKind::Index: {
        const auto& in = static_cast<const IndexExpr&>(*e);
        auto x = make<IndexExpr>();
        x->object = expr(in.object.get());
        x->index = expr(in.index.get());
        out = std::move(x);
        break;
      }
      case ExprKind::Call: {
        const auto& in = static_cast<const CallExpr&>(*e);
        auto x = make<CallExpr>();
        x->callee = expr(in.callee.get());
        x->args = args(in.args);
        x->args_range = range(in.args_range);
        out = std::move(x);
        break;
      }
      case ExprKind::Unary: {
        const auto& in = static_cast<const UnaryExpr&>(*e);
        auto x = make<UnaryExpr>();
        x->op = in.op;
        x->operand = expr(in.operand.get());
        out = std::move(x);
        break;
      }
      case ExprKind::Binary: {
        const auto& in = static_cast<const BinaryExpr&>(*e);
        auto x = make<BinaryExpr>();
        x->op = in.op;
        x->lhs = expr(in.lhs.get());
        x->rhs = expr(in.rhs.get());
        x->op_range = range(in.op_range);
        out = std::move(x);
        break;
      }
      case ExprKind::Run: {
        const auto& in = static_cast<const RunExpr&>(*e);
        auto x = make<RunExpr>();
        x->job = in.job;
        x->script = ident(in.script);
        x->script_args = args(in.script_args);
        x->has_script_args = in.has_script_args;
        x->kind_name = ident(in.kind_name);
        x->payload = expr(in.payload.get());
        x->on = expr(in.on.get());
        x->timeout = expr(in.timeout.get());
        x->retry = retry(in.retry.get());
        x->as = expr(in.as.get());
        x->priority = ident(in.priority);
        x->canary = in.canary;
        x->allow_failure = in.allow_failure;
        x->clauses = clauses(in.clauses);
        out = std::move(x);
        break;
      }
      case ExprKind::Approve: {
        const auto& in = static_cast<const ApproveExpr&>(*e);
        auto x = make<ApproveExpr>();
        x->title = expr(in.title.get());
        x->by = expr(in.by.get());
        x->quorum = ident(in.quorum);
        x->timeout = expr(in.timeout.get());
        x->clauses = clauses(in.clauses);
        out = std::move(x);
        break;
      }
      case ExprKind::WaitEvent: {
        const auto& in = static_cast<const WaitEventExpr&>(*e);
        auto x = make<WaitEventExpr>();
        x->event = expr(in.event.get());
        x->timeout = expr(in.timeout.get());
        out = std::move(x);
        break;
      }
    }
    out->range = range(e->range);
    return out;
  }

  // ---- statements

  Block block(const Block& b) const {
    Block out;
    out.stmts.reserve(b.stmts.size());
    for (const auto& s : b.stmts) out.stmts.push_back(stmt(s.get()));
    out.range = range(b.range);
    return out;
  }

  std::unique_ptr<Block> block(const Block* b) const { return b ? std::make_unique<Block>(block(*b)) : nullptr; }

  Own<Stmt> stmt(const Stmt* s) const {
    if (!s) return nullptr;
    Own<Stmt> out;
    switch (s->kind) {
      case StmtKind::Let: {
        const auto& in = static_cast<const LetStmt&>(*s);
        auto x = make<LetStmt>();
        x->is_var = in.is_var;
        x->name = ident(in.name);
        x->declared = type(in.declared.get());
        x->init = expr(in.init.get());
        out = std::move(x);
        break;
      }
      case StmtKind::Assign: {
        const auto& in = static_cast<const AssignStmt&>(*s);
        auto x = make<AssignStmt>();
        x->name = ident(in.name);
        x->value = expr(in.value.get());
        out = std::move(x);
        break;
      }
      case StmtKind::If: {
        const auto& in = static_cast<const IfStmt&>(*s);
        auto x = make<IfStmt>();
        x->cond = expr(in.cond.get());
        x->then_block = block(in.then_block);
        x->else_if = stmt(in.else_if.get());
        x->else_block = block(in.else_block.get());
        out = std::move(x);
        break;
      }
      case StmtKind::For: {
        const auto& in = static_cast<const ForStmt&>(*s);
        auto x = make<ForStmt>();
        x->var = ident(in.var);
        x->iterable = expr(in.iterable.get());
        x->body = block(in.body);
        out = std::move(x);
        break;
      }
      case StmtKind::While: {
        const auto& in = static_cast<const WhileStmt&>(*s);
        auto x = make<WhileStmt>();
        x->cond = expr(in.cond.get());
        x->body = block(in.body);
        out = std::move(x);
        break;
      }
      case StmtKind::Break: out = make<BreakStmt>(); break;
      case StmtKind::Continue: out = make<ContinueStmt>(); break;
      case StmtKind::Return: {
        auto x = make<ReturnStmt>();
        x->value = expr(static_cast<const ReturnStmt&>(*s).value.get());
        out = std::move(x);
        break;
      }
      case StmtKind::Fail: {
        auto x = make<FailStmt>();
        x->message = expr(static_cast<const FailStmt&>(*s).message.get());
        out = std::move(x);
        break;
      }
      case StmtKind::Log: {
        auto x = make<LogStmt>();
        x->message = expr(static_cast<const LogStmt&>(*s).message.get());
        out = std::move(x);
        break;
      }
      case StmtKind::Try: {
        const auto& in = static_cast<const TryStmt&>(*s);
        auto x = make<TryStmt>();
        x->body = block(in.body);
        x->has_catch = in.has_catch;
        x->catch_var = ident(in.catch_var);
        x->catch_block = block(in.catch_block);
        x->finally_block = block(in.finally_block.get());
        out = std::move(x);
        break;
      }
      case StmtKind::Step: {
        const auto& in = static_cast<const StepStmt&>(*s);
        auto x = make<StepStmt>();
        x->name = expr(in.name.get());
        x->retry = retry(in.retry.get());
        x->timeout = expr(in.timeout.get());
        x->body = block(in.body);
        out = std::move(x);
        break;
      }
      case StmtKind::Sleep: {
        const auto& in = static_cast<const SleepStmt&>(*s);
        auto x = make<SleepStmt>();
        x->until = in.until;
        x->value = expr(in.value.get());
        out = std::move(x);
        break;
      }
      case StmtKind::Checkout: {
        const auto& in = static_cast<const CheckoutStmt&>(*s);
        auto x = make<CheckoutStmt>();
        x->var = ident(in.var);
        x->identity = expr(in.identity.get());
        x->reason = expr(in.reason.get());
        x->ttl = expr(in.ttl.get());
        x->body = block(in.body);
        out = std::move(x);
        break;
      }
      case StmtKind::Parallel: {
        const auto& in = static_cast<const ParallelStmt&>(*s);
        auto x = make<ParallelStmt>();
        x->branches.reserve(in.branches.size());
        for (const Branch& b : in.branches) x->branches.push_back({expr(b.name.get()), block(b.body), range(b.range)});
        out = std::move(x);
        break;
      }
      case StmtKind::ParallelFor: {
        const auto& in = static_cast<const ParallelForStmt&>(*s);
        auto x = make<ParallelForStmt>();
        x->var = ident(in.var);
        x->iterable = expr(in.iterable.get());
        x->limit = expr(in.limit.get());
        x->body = block(in.body);
        out = std::move(x);
        break;
      }
      case StmtKind::Notify: {
        const auto& in = static_cast<const NotifyStmt&>(*s);
        auto x = make<NotifyStmt>();
        x->message = expr(in.message.get());
        x->to = expr(in.to.get());
        out = std::move(x);
        break;
      }
      case StmtKind::Expr: {
        auto x = make<ExprStmt>();
        x->expr = expr(static_cast<const ExprStmt&>(*s).expr.get());
        out = std::move(x);
        break;
      }
    }
    out->range = range(s->range);
    return out;
  }

  // ---- declarations

  std::vector<Param> params(const std::vector<Param>& in) const {
    std::vector<Param> out;
    out.reserve(in.size());
    for (const Param& p : in) out.push_back({ident(p.name), type(p.type.get()), expr(p.default_value.get()), range(p.range)});
    return out;
  }

  Own<Decl> decl(const Decl& d) const {
    Own<Decl> out;
    switch (d.kind) {
      case DeclKind::Import: {
        const auto& in = static_cast<const ImportDecl&>(d);
        auto x = make<ImportDecl>();
        x->path = in.path;
        x->path_range = range(in.path_range);
        out = std::move(x);
        break;
      }
      case DeclKind::Const: {
        const auto& in = static_cast<const ConstDecl&>(d);
        auto x = make<ConstDecl>();
        x->declared = type(in.declared.get());
        x->value = expr(in.value.get());
        out = std::move(x);
        break;
      }
      case DeclKind::Type: {
        auto x = make<TypeDecl>();
        x->aliased = type(static_cast<const TypeDecl&>(d).aliased.get());
        out = std::move(x);
        break;
      }
      case DeclKind::Fn: {
        const auto& in = static_cast<const FnDecl&>(d);
        auto x = make<FnDecl>();
        x->params = params(in.params);
        x->result = type(in.result.get());
        x->body = block(in.body);
        out = std::move(x);
        break;
      }
      case DeclKind::Library:
      case DeclKind::Script: {
        const auto& in = static_cast<const ScriptDecl&>(d);
        auto x = std::make_unique<ScriptDecl>(d.kind);
        x->has_params = in.has_params;
        x->params = params(in.params);
        x->settings.reserve(in.settings.size());
        for (const Setting& s : in.settings) x->settings.push_back({ident(s.key), expr(s.value.get()), range(s.range)});
        out = std::move(x);
        break;
      }
      case DeclKind::Workflow: {
        const auto& in = static_cast<const WorkflowDecl&>(d);
        auto x = make<WorkflowDecl>();
        x->params = params(in.params);
        x->result = type(in.result.get());
        x->body = block(in.body);
        out = std::move(x);
        break;
      }
    }
    out->range = range(d.range);
    out->name = ident(d.name);
    out->docs = d.docs;
    out->annotations.reserve(d.annotations.size());
    for (const Annotation& a : d.annotations) {
      Annotation copy;
      copy.name = ident(a.name);
      for (const AnnotationArg& arg : a.args) copy.args.push_back({ident(arg.name), expr(arg.value.get())});
      copy.has_parens = a.has_parens;
      copy.range = range(a.range);
      out->annotations.push_back(std::move(copy));
    }
    return out;
  }

 private:
  int64_t shift_;
};

}  // namespace

Own<Decl> copy_decl(const Decl& decl, int64_t shift) { return Copier(shift).decl(decl); }

}  // namespace wf

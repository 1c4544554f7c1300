// Checking statements: scopes and bindings (with the unused and shadowing warnings), optional
// narrowing, control flow (missing `return`, unreachable code, `break` outside a loop) and the
// rules of pure functions.
#include <fmt/format.h>

#include "check/checker_impl.h"

namespace wf {

void Checker::push_scope() { scopes_.emplace_back(); }

void Checker::pop_scope() {
  for (auto& [name, b] : scopes_.back().names)
    if (b->warn_unused && !b->used && !has_syntax_errors_[b->where.file]) {
      auto& d = sink_.report(DiagCode::UnusedVariable, b->where,
                             fmt::format("`{}` is never used; remove it or name it `_{}`", name, name));
      d.fix = DiagFix{fmt::format("rename to `_{}`", name), b->where, "_" + name};
    }
  scopes_.pop_back();
}

Binding* Checker::declare_local(const Ident& name, const Type* type, bool is_mutable, BindingKind kind) {
  if (name.empty() || scopes_.empty()) return nullptr;
  for (auto& scope : scopes_) {
    auto it = scope.names.find(name.text);
    if (it != scope.names.end() && !it->second->narrows && name.text[0] != '_') {
      auto& d = sink_.report(DiagCode::ShadowedBinding, Location{file_, name.range},
                             fmt::format("`{}` shadows an earlier binding of the same name", name.text));
      d.notes.push_back({it->second->where, "the earlier binding"});
      break;
    }
  }
  bindings_.push_back(Binding{name.text, kind, is_mutable, type, Location{file_, name.range}, nullptr, nullptr, -1,
                              false, kind == BindingKind::Local && name.text[0] != '_'});
  Binding* b = &bindings_.back();
  scopes_.back().names[name.text] = b;
  return b;
}

const Binding* Checker::lookup(const std::string& name) {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto found = it->names.find(name);
    if (found != it->names.end()) return found->second;
  }
  auto& values = modules_[file_].values;
  auto found = values.find(name);
  return found == values.end() ? nullptr : found->second;
}

void Checker::require_workflow(SourceRange where, const char* what) {
  if (body_ == BodyKind::Fn)
    error(DiagCode::EffectInPureFn, where,
          fmt::format("{} is not allowed in a `fn`: functions are pure; move it into a workflow", what));
  else if (body_ == BodyKind::ModuleLevel)
    error(DiagCode::EffectInPureFn, where, fmt::format("{} is only allowed in a workflow body", what));
}

void Checker::check_body(Block& b, BodyKind kind, const Type* result) {
  body_ = kind;
  branch_scope_floor_ = 0;
  result_ = result;
  loop_depth_ = 0;
  const bool exits = check_block(b);
  // A file with syntax errors may have lost a `return` to them; say nothing more about it.
  if (!exits && result->kind != TypeKind::Void && !result->is_error() && !has_syntax_errors_[file_]) {
    const uint32_t end = b.range.end > b.range.begin ? b.range.end - 1 : b.range.end;
    error(DiagCode::MissingReturn, {end, b.range.end},
          fmt::format("this body can reach its end without returning a value of type `{}`", type_name(result)));
  }
  body_ = BodyKind::ModuleLevel;
  result_ = nullptr;
}

bool Checker::check_block(Block& b, bool new_scope) {
  if (new_scope) push_scope();
  bool exits = false;
  bool warned = false;
  for (auto& s : b.stmts) {
    if (exits && !warned) {
      sink_.report(DiagCode::UnreachableCode, Location{file_, s->range}, "this code is never reached");
      warned = true;
    }
    const Stmt* outer = statement_;
    statement_ = s.get();
    exits |= check_stmt(*s);
    statement_ = outer;
  }
  if (new_scope) pop_scope();
  return exits;
}

// Narrowing: `x != none` makes `x` a `T` where the condition is known to hold; `x == none`
// where it is known not to. Conjunctions narrow each side when true, disjunctions when false.
void Checker::narrow(Expr* cond, bool when_true) {
  if (!cond) return;
  if (cond->kind == ExprKind::Unary) {
    auto& u = static_cast<UnaryExpr&>(*cond);
    if (u.op == UnaryOp::Not) narrow(u.operand.get(), !when_true);
    return;
  }
  if (cond->kind != ExprKind::Binary) return;
  auto& bin = static_cast<BinaryExpr&>(*cond);
  if ((bin.op == BinaryOp::And && when_true) || (bin.op == BinaryOp::Or && !when_true)) {
    narrow(bin.lhs.get(), when_true);
    narrow(bin.rhs.get(), when_true);
    return;
  }
  const bool ne = bin.op == BinaryOp::Ne;
  if (!(ne || bin.op == BinaryOp::Eq) || ne != when_true) return;
  Expr* named = nullptr;
  if (bin.rhs && bin.rhs->kind == ExprKind::None) named = bin.lhs.get();
  else if (bin.lhs && bin.lhs->kind == ExprKind::None) named = bin.rhs.get();
  if (!named || named->kind != ExprKind::Name) return;
  const Binding* b = static_cast<NameExpr*>(named)->binding;
  if (!b || !b->type || b->type->kind != TypeKind::Optional) return;
  const Binding* root = b->narrows ? b->narrows : b;
  bindings_.push_back(*root);
  Binding* view = &bindings_.back();
  view->type = b->type->element;
  view->narrows = root;
  view->warn_unused = false;
  scopes_.back().names[root->name] = view;
}

bool Checker::check_if(IfStmt& s) {
  check_condition(s.cond.get());
  push_scope();
  narrow(s.cond.get(), true);
  const bool then_exits = check_block(s.then_block, false);
  pop_scope();
  bool else_exits = false;
  const bool has_else = s.else_if || s.else_block;
  if (has_else) {
    push_scope();
    narrow(s.cond.get(), false);
    else_exits = s.else_if ? check_stmt(*s.else_if) : check_block(*s.else_block, false);
    pop_scope();
  }
  // After `if x == none { return }`, x is known to be present for the rest of the block.
  if (then_exits && !else_exits) narrow(s.cond.get(), false);
  if (else_exits && !then_exits && has_else) narrow(s.cond.get(), true);
  return then_exits && has_else && else_exits;
}

bool Checker::check_stmt(Stmt& s) {
  switch (s.kind) {
    case StmtKind::Expr: {
      auto& e = static_cast<ExprStmt&>(s);
      check_expr(e.expr.get());
      return false;
    }
    case StmtKind::Let: {
      auto& l = static_cast<LetStmt&>(s);
      const Type* declared = l.declared ? resolve_type(l.declared.get()) : nullptr;
      const Type* t = check_value(l.init.get(), declared, "bound to a variable");
      if (declared) {
        if (!assignable(t, declared)) mismatch(l.init->range, declared, t);
        t = declared;
      } else if (t->kind == TypeKind::Void) {
        error(DiagCode::TypeMismatch, l.init->range, "this expression gives no value to bind");
        t = types_.error();
      } else if (t->kind == TypeKind::None || contains_never(t)) {
        error(DiagCode::TypeMismatch, l.init->range,
              fmt::format("cannot infer the type of `{}`: write it, as in `let {}: list<string> = []` or `let {}: string? = none`",
                          l.name.text, l.name.text, l.name.text));
        t = types_.error();
      }
      l.binding = declare_local(l.name, t, l.is_var);
      return false;
    }
    case StmtKind::Assign: {
      auto& a = static_cast<AssignStmt&>(s);
      const Binding* b = lookup(a.name.text);
      const Binding* target = b && b->narrows ? b->narrows : b;
      if (!b) {
        auto& d = error(DiagCode::UnknownName, a.name.range, fmt::format("unknown name `{}`", a.name.text));
        suggest_name(d, a.name.range, a.name.text, value_names());
        check_expr(a.value.get());
        return false;
      }
      a.binding = target;
      const Type* t = check_value(a.value.get(), target->type, "assigned to a variable");
      size_t scope_of_target = scopes_.size();
      for (size_t i = scopes_.size(); i-- > 0;)
        if (auto it = scopes_[i].names.find(a.name.text); it != scopes_[i].names.end()) { scope_of_target = i; break; }
      if (target->is_mutable && scope_of_target < branch_scope_floor_) {
        error(DiagCode::AssignToLet, a.name.range,
              fmt::format("cannot assign to `{}` inside a parallel branch: branches run at the same time on copies "
                          "of the variables around them; return results through the branch's effects instead",
                          a.name.text));
      } else if (!target->is_mutable) {
        const char* what = target->kind == BindingKind::Param ? "a parameter"
                           : target->kind == BindingKind::Local ? "a `let` binding"
                                                                : "a declaration";
        auto& d = error(DiagCode::AssignToLet, a.name.range, fmt::format("cannot assign to `{}`: it is {}", a.name.text, what));
        if (target->kind == BindingKind::Local)
          d.notes.push_back({target->where, fmt::format("declare it with `var {}` to allow assignment", a.name.text)});
      } else if (target->type && !assignable(t, target->type)) {
        mismatch(a.value->range, target->type, t);
      }
      // Assigning replaces whatever narrowing said about the old value.
      if (b->narrows) scopes_.back().names.erase(a.name.text);
      return false;
    }
    case StmtKind::If:
      return check_if(static_cast<IfStmt&>(s));
    case StmtKind::For: {
      auto& f = static_cast<ForStmt&>(s);
      const Type* it = check_value(f.iterable.get(), nullptr, "iterated");
      const Type* element = types_.error();
      if (it->kind == TypeKind::List) element = it->element;
      else if (it->kind == TypeKind::Map) element = types_.string_type();  // a map's keys
      else if (it->kind == TypeKind::Optional) report_optional(f.iterable.get(), it, "iterated");
      else if (!it->is_error())
        error(DiagCode::TypeMismatch, f.iterable->range,
              fmt::format("cannot iterate over `{}`: expected a list or a map{}", type_name(it),
                          it->kind == TypeKind::Json ? " (convert JSON with `list(...)`)" : ""));
      push_scope();
      f.var_binding = declare_local(f.var, element, false);
      ++loop_depth_;
      check_block(f.body, false);
      --loop_depth_;
      pop_scope();
      return false;
    }
    case StmtKind::While: {
      auto& w = static_cast<WhileStmt&>(s);
      check_condition(w.cond.get());
      ++loop_depth_;
      check_block(w.body);
      --loop_depth_;
      return false;
    }
    case StmtKind::Break:
    case StmtKind::Continue:
      if (loop_depth_ == 0)
        error(DiagCode::LoopControlOutside, s.range,
              fmt::format("`{}` is only allowed inside a `for` or `while` loop",
                          s.kind == StmtKind::Break ? "break" : "continue"));
      return true;
    case StmtKind::Return: {
      auto& r = static_cast<ReturnStmt&>(s);
      if (!result_) {
        error(DiagCode::TypeMismatch, s.range, "`return` is only allowed in a function or workflow body");
        return true;
      }
      if (r.value) {
        const Type* t = check_value(r.value.get(), result_->kind == TypeKind::Void ? nullptr : result_, "returned");
        if (result_->kind == TypeKind::Void)
          error(DiagCode::TypeMismatch, r.value->range, "this body declares no result type, so `return` takes no value");
        else if (!assignable(t, result_))
          mismatch(r.value->range, result_, t);
      } else if (result_->kind != TypeKind::Void && !result_->is_error()) {
        error(DiagCode::TypeMismatch, s.range, fmt::format("`return` needs a value of type `{}`", type_name(result_)));
      }
      return true;
    }
    case StmtKind::Fail: {
      auto& f = static_cast<FailStmt&>(s);
      require_workflow(s.range, "`fail`");
      check_expr_as(f.message.get(), types_.string_type(), "a failure message", "used in a failure message");
      return true;
    }
    case StmtKind::Log: {
      auto& l = static_cast<LogStmt&>(s);
      require_workflow(s.range, "`log`");
      check_expr_as(l.message.get(), types_.string_type(), "a log message", "logged");
      return false;
    }
    case StmtKind::Try: {
      auto& t = static_cast<TryStmt&>(s);
      const bool body_exits = check_block(t.body);
      bool catch_exits = false;
      if (t.has_catch) {
        push_scope();
        if (!t.catch_var.empty()) t.catch_binding = declare_local(t.catch_var, types_.error_record(), false);
        catch_exits = check_block(t.catch_block, false);
        pop_scope();
      }
      const bool finally_exits = t.finally_block && check_block(*t.finally_block);
      return (body_exits && (!t.has_catch || catch_exits)) || finally_exits;
    }
    case StmtKind::Step: {
      auto& st = static_cast<StepStmt&>(s);
      require_workflow(s.range, "`step`");
      check_expr_as(st.name.get(), types_.string_type(), "a step name");
      if (st.retry) check_retry(*st.retry);
      if (st.timeout) check_expr_as(st.timeout.get(), types_.duration(), "a step timeout");
      return check_block(st.body);
    }
    case StmtKind::Sleep:
      check_sleep(static_cast<SleepStmt&>(s));
      return false;
    case StmtKind::Checkout:
      return check_checkout(static_cast<CheckoutStmt&>(s));
    case StmtKind::Parallel:
      check_parallel(static_cast<ParallelStmt&>(s));
      return false;
    case StmtKind::ParallelFor:
      check_parallel_for(static_cast<ParallelForStmt&>(s));
      return false;
    case StmtKind::Notify:
      check_notify(static_cast<NotifyStmt&>(s));
      return false;
  }
  return false;
}

}  // namespace wf

// Lowering of statements: bindings, assignment, if/while/for with break and continue,
// try/catch/finally (finally code is emitted on every way out of the try: fall-through, catch,
// break/continue/return jumps, and a finally handler for errors), steps with their retry policy.
#include <fmt/format.h>

#include <algorithm>

#include "lower/lowerer.h"
#include "stdlib/builtin_records.h"
#include "syntax/ast_walk.h"

namespace wf {

using bytecode::Op;

int Lowerer::bind_local(const Binding* b, const Ident& name) {
  const int r = fb().alloc();
  if (b) fn_.regs[b] = r;
  fn_.bound[r] = b;
  fb().add_local(name.text, r, static_cast<uint32_t>(fb().pc()), 0);
  return r;
}

namespace {
bool reads(const Expr* e, const Binding* b) {
  bool found = false;
  AstVisitor v;
  v.on_expr = [&](Expr& x) {
    if (x.kind != ExprKind::Name) return;
    const Binding* n = static_cast<NameExpr&>(x).binding;
    if (n && (n == b || n->narrows == b)) found = true;
  };
  walk(const_cast<Expr*>(e), v);
  return found;
}
}  // namespace

bool Lowerer::append_in_place(const Binding* var, int target, const Expr* value) {
  // Collect the right operands of a left-deep chain of `+` that starts with the variable.
  std::vector<const Expr*> operands;
  const Expr* e = value;
  while (e && e->kind == ExprKind::Binary && static_cast<const BinaryExpr*>(e)->op == BinaryOp::Add) {
    const auto* b = static_cast<const BinaryExpr*>(e);
    operands.push_back(b->rhs.get());
    e = b->lhs.get();
  }
  if (operands.empty() || !e || e->kind != ExprKind::Name) return false;
  const Binding* first = static_cast<const NameExpr*>(e)->binding;
  if (!first || (first != var && first->narrows != var)) return false;
  const Type* t = value->type;
  if (!t || (t->kind != TypeKind::String && t->kind != TypeKind::List)) return false;
  for (const Expr* operand : operands)
    if (reads(operand, var)) return false;
  for (auto it = operands.rbegin(); it != operands.rend(); ++it) {
    const Expr* operand = *it;
    const int mark = fb().top();
    if (t->kind == TypeKind::List && operand->kind == ExprKind::List &&
        static_cast<const ListExpr*>(operand)->items.size() == 1) {
      const int item = expr_any(static_cast<const ListExpr*>(operand)->items[0].get());
      fb().emit_abc(Op::APPEND, target, item, 0);
    } else {
      const int r = expr_any(operand);
      fb().emit_abc(t->kind == TypeKind::String ? Op::CONCAT : Op::LCONCAT, target, target, r);
    }
    fb().release_to(mark);
  }
  return true;
}

void Lowerer::block(const Block& b) {
  const int mark = fb().top();
  for (const auto& s : b.stmts) stmt(*s);
  fb().release_to(mark);
}

void Lowerer::stmt(const Stmt& s) {
  line_of(s.range);
  switch (s.kind) {
    case StmtKind::Expr: {
      const Expr* e = static_cast<const ExprStmt&>(s).expr.get();
      const int mark = fb().top();
      const int r = fb().alloc();
      if (e && e->kind == ExprKind::Approve) approve_to(*static_cast<const ApproveExpr*>(e), r, true);
      else expr_to(e, r);
      fb().release_to(mark);
      break;
    }
    case StmtKind::Let: {
      const auto& l = static_cast<const LetStmt&>(s);
      const int r = bind_local(l.binding, l.name);
      const size_t local = fb().local_count() - 1;
      expr_to(l.init.get(), r);
      // The name is bound once its value is stored: while the initializer runs (and waits, for an
      // effect) the register holds temporaries, which the variables view must not show as it.
      fb().start_local_here(local);
      break;
    }
    case StmtKind::Assign: {
      const auto& a = static_cast<const AssignStmt&>(s);
      const int target = reg_of(a.binding);
      if (target < 0) break;
      const Expr* v = a.value.get();
      // `s = s + a + b` and `xs = xs + [x]` append to the variable in place (the VM copies first
      // when the value is shared), unless a right operand reads the variable itself.
      if (append_in_place(a.binding, target, v)) break;
      // Every expression writes its destination last, after reading its operands, so the value
      // can go straight into the variable; only a list literal long enough to be built in chunks
      // writes it early, and goes through a temporary.
      const bool chunked = v && v->kind == ExprKind::List && static_cast<const ListExpr*>(v)->items.size() > 200;
      if (!chunked) {
        expr_to(v, target);
        break;
      }
      const int mark = fb().top();
      const int t = fb().alloc();
      expr_to(v, t);
      fb().emit_abc(Op::MOVE, target, t, 0);
      fb().release_to(mark);
      break;
    }
    case StmtKind::If: if_stmt(static_cast<const IfStmt&>(s)); break;
    case StmtKind::For: for_stmt(static_cast<const ForStmt&>(s)); break;
    case StmtKind::While: while_stmt(static_cast<const WhileStmt&>(s)); break;
    case StmtKind::Break:
      if (!fn_.loops.empty()) jump_out(fn_.loops.back().breaks, fn_.loops.back().finally_depth);
      break;
    case StmtKind::Continue:
      if (!fn_.loops.empty()) jump_out(fn_.loops.back().continues, fn_.loops.back().finally_depth);
      break;
    case StmtKind::Return: {
      const auto& r = static_cast<const ReturnStmt&>(s);
      const int mark = fb().top();
      if (r.value && fn_.finallies.empty()) {
        fb().emit_abc(Op::RET, expr_any(r.value.get()), 0, 0);  // a local returns from its own register
      } else if (r.value) {
        const int t = fb().alloc();
        expr_to(r.value.get(), t);
        run_finallies_down_to(0);
        fb().emit_abc(Op::RET, t, 0, 0);
      } else {
        run_finallies_down_to(0);
        fb().emit_abc(Op::RETNONE, 0, 0, 0);
      }
      fb().release_to(mark);
      break;
    }
    case StmtKind::Fail: {
      const int mark = fb().top();
      const int r = expr_any(static_cast<const FailStmt&>(s).message.get());
      fb().emit_abc(Op::FAIL, r, 0, 0);
      fb().release_to(mark);
      break;
    }
    case StmtKind::Log: {
      const int mark = fb().top();
      const int r = expr_any(static_cast<const LogStmt&>(s).message.get());
      fb().emit_abc(Op::LOG, r, 0, 0);
      fb().release_to(mark);
      break;
    }
    case StmtKind::Try: try_stmt(static_cast<const TryStmt&>(s)); break;
    case StmtKind::Step: step_stmt(static_cast<const StepStmt&>(s)); break;
    case StmtKind::Sleep: sleep_stmt(static_cast<const SleepStmt&>(s)); break;
    case StmtKind::Checkout: checkout_stmt(static_cast<const CheckoutStmt&>(s)); break;
    case StmtKind::Parallel: parallel_stmt(static_cast<const ParallelStmt&>(s)); break;
    case StmtKind::ParallelFor: parallel_for_stmt(static_cast<const ParallelForStmt&>(s)); break;
    case StmtKind::Notify: notify_stmt(static_cast<const NotifyStmt&>(s)); break;
  }
}

// Jumps for a condition that is false: `a and b` jumps out on either side; `i < n` on ints is one
// JLTI; anything else is computed and tested.
void Lowerer::cond_jump_false(const Expr* cond, std::vector<size_t>& false_jumps) {
  if (cond && cond->kind == ExprKind::Binary) {
    const auto& b = static_cast<const BinaryExpr&>(*cond);
    if (b.op == BinaryOp::And) {
      cond_jump_false(b.lhs.get(), false_jumps);
      cond_jump_false(b.rhs.get(), false_jumps);
      return;
    }
    const bool ints = b.lhs && b.lhs->type && b.lhs->type->kind == TypeKind::Int && b.rhs && b.rhs->type &&
                      b.rhs->type->kind == TypeKind::Int;
    if (ints && b.op == BinaryOp::Lt && b.rhs->kind == ExprKind::Int) {
      const int mark = fb().top();
      bytecode::Constant k;
      k.kind = bytecode::ConstKind::Int;
      k.i = static_cast<const IntExpr&>(*b.rhs).value;
      false_jumps.push_back(fb().emit_jltk(expr_any(b.lhs.get()), constant(k)));
      fb().release_to(mark);
      return;
    }
    if (ints && (b.op == BinaryOp::Lt || b.op == BinaryOp::Gt)) {
      const int mark = fb().top();
      int l = expr_any(b.lhs.get());
      int r = expr_any(b.rhs.get());
      if (b.op == BinaryOp::Gt) std::swap(l, r);
      false_jumps.push_back(fb().emit_jlti(l, r));
      fb().release_to(mark);
      return;
    }
  }
  const int mark = fb().top();
  const int r = expr_any(cond);
  false_jumps.push_back(fb().emit_jump(Op::JMPIFNOT, r));
  fb().release_to(mark);
}

void Lowerer::if_stmt(const IfStmt& s) {
  // In a workflow, the condition's value goes to the host with its source text (the execution
  // log and the simulation report show both), then decides the branch.
  std::vector<size_t> to_else;
  if (!fn_.workflow) {
    cond_jump_false(s.cond.get(), to_else);  // a pure function's branches are nobody's business
  } else {
    const int mark = fb().top();
    const int r = expr_any(s.cond.get());
    const SourceRange cr = s.cond ? s.cond->range : s.range;
    fb().emit_abx(Op::COND, r, string_constant(std::string(c_.file(fn_.file).slice(cr))));
    to_else.push_back(fb().emit_jump(Op::JMPIFNOT, r));
    fb().release_to(mark);
  }
  block(s.then_block);
  if (!s.else_if && !s.else_block) {
    for (size_t j : to_else) fb().patch(j);
    return;
  }
  const size_t to_end = fb().emit_jump(Op::JMP, 0);
  for (size_t j : to_else) fb().patch(j);
  if (s.else_if) stmt(*s.else_if);
  else block(*s.else_block);
  fb().patch(to_end);
}

void Lowerer::while_stmt(const WhileStmt& s) {
  const size_t top = fb().pc();
  std::vector<size_t> exits;
  cond_jump_false(s.cond.get(), exits);
  fn_.loops.push_back({{}, {}, fn_.finallies.size()});
  block(s.body);
  LoopContext loop = std::move(fn_.loops.back());
  fn_.loops.pop_back();
  for (size_t j : loop.continues) fb().patch(j);
  fb().emit_jump_back(Op::JMP, 0, top);
  for (size_t j : exits) fb().patch(j);
  for (size_t j : loop.breaks) fb().patch(j);
}

// for x in xs: an index runs over a private copy of the list (a map iterates its keys).
void Lowerer::for_stmt(const ForStmt& s) {
  const int mark = fb().top();
  const int list = fb().alloc();
  const Type* t = s.iterable ? s.iterable->type : nullptr;
  if (t && t->kind == TypeKind::Map) {
    const int base = fb().alloc();
    expr_to(s.iterable.get(), base);
    fb().emit_abc(Op::CALLB, list, base, 1);
    fb().emit_extra(static_cast<uint32_t>(builtin_named("keys", "(m: map<T>) -> list<string>")));
    fb().release_to(list + 1);
  } else {
    expr_to(s.iterable.get(), list);
  }
  const int count = fb().alloc();
  fb().emit_abc(Op::LEN, count, list, 0);
  const int index = fb().alloc();
  load_int(index, 0);
  const int var = bind_local(s.var_binding, s.var);
  const size_t top = fb().pc();
  const size_t exit = fb().emit_jlti(index, count);
  fb().emit_abc(Op::INDEX, var, list, index);
  fn_.loops.push_back({{}, {}, fn_.finallies.size()});
  block(s.body);
  LoopContext loop = std::move(fn_.loops.back());
  fn_.loops.pop_back();
  for (size_t j : loop.continues) fb().patch(j);
  fb().emit_abc(Op::ADDIK, index, index, 129);  // index + 1
  fb().emit_jump_back(Op::JMP, 0, top);
  fb().patch(exit);
  for (size_t j : loop.breaks) fb().patch(j);
  fb().release_to(mark);
}

// Leaving a loop or the function from inside try blocks runs their finally code first.
void Lowerer::run_finallies_down_to(size_t depth) {
  std::vector<std::function<void()>> saved = fn_.finallies;
  for (size_t i = saved.size(); i > depth; --i) {
    // While a finally block's own code runs, it is no longer open.
    fn_.finallies.resize(i - 1);
    saved[i - 1]();
  }
  fn_.finallies = std::move(saved);
}

void Lowerer::jump_out(std::vector<size_t>& patches, size_t finally_depth) {
  run_finallies_down_to(finally_depth);
  patches.push_back(fb().emit_jump(Op::JMP, 0));
}

//   body                       ; catch handler covers it; finally handler too
//   <finally>; JMP end
// catch: e := error
//   catch body                 ; finally handler covers it
//   <finally>; JMP end
// finally-handler: err := error
//   <finally>; RAISE err
// end:
void Lowerer::try_stmt(const TryStmt& s) {
  std::function<void()> fin;
  if (s.finally_block) fin = [this, b = s.finally_block.get()] { block(*b); };
  const uint32_t body_start = static_cast<uint32_t>(fb().pc());
  if (fin) fn_.finallies.push_back(fin);
  block(s.body);
  if (fin) fn_.finallies.pop_back();
  const uint32_t body_end = static_cast<uint32_t>(fb().pc());
  std::vector<size_t> to_end;
  if (fin) fin();
  to_end.push_back(fb().emit_jump(Op::JMP, 0));

  uint32_t catch_start = 0, catch_end = 0;
  const int mark = fb().top();
  if (s.has_catch) {
    catch_start = static_cast<uint32_t>(fb().pc());
    const int e = s.catch_var.empty() ? fb().alloc() : bind_local(s.catch_binding, s.catch_var);
    fb().add_handler(body_start, body_end, catch_start, e, false);
    if (fin) fn_.finallies.push_back(fin);
    block(s.catch_block);
    if (fin) fn_.finallies.pop_back();
    catch_end = static_cast<uint32_t>(fb().pc());
    if (fin) fin();
    to_end.push_back(fb().emit_jump(Op::JMP, 0));
    fb().release_to(mark);
  }
  if (fin) {
    const uint32_t handler = static_cast<uint32_t>(fb().pc());
    const int err = fb().alloc();
    fb().add_handler(body_start, body_end, handler, err, true);
    if (s.has_catch) fb().add_handler(catch_start, catch_end, handler, err, true);
    fin();
    fb().emit_abc(Op::RAISE, err, 0, 0);
    fb().release_to(mark);
  }
  for (size_t j : to_end) fb().patch(j);
}

// `body` with `fin` run on every way out of it: falling through, jumping out, or an error
// (which `fin` does not stop: it is raised again afterwards).
void Lowerer::protect(const std::function<void()>& body, const std::function<void()>& fin) {
  const uint32_t start = static_cast<uint32_t>(fb().pc());
  fn_.finallies.push_back(fin);
  body();
  fn_.finallies.pop_back();
  const uint32_t end = static_cast<uint32_t>(fb().pc());
  fin();
  const size_t to_end = fb().emit_jump(Op::JMP, 0);
  const int mark = fb().top();
  const uint32_t handler = static_cast<uint32_t>(fb().pc());
  const int err = fb().alloc();
  fb().add_handler(start, end, handler, err, true);
  fin();
  fb().emit_abc(Op::RAISE, err, 0, 0);
  fb().release_to(mark);
  fb().patch(to_end);
}

// A step directly in the workflow's body with a literal name is recorded in the module with the
// variables live at its entry and their types: what an upgrade to another version needs to start
// the same step in the other version's code (SPEC §4.11).
void Lowerer::record_top_step(const StepStmt& s) {
  fn_.top_step = nullptr;
  if (!fn_.workflow || fn_.top_step_index < 0 || s.name->kind != ExprKind::String) return;
  const auto& name = static_cast<const StringExpr&>(*s.name);
  if (!name.is_plain()) return;
  bool top_level = false;
  for (const auto& stmt : fn_.workflow->body.stmts) top_level = top_level || stmt.get() == &s;
  if (!top_level) return;
  bytecode::TopStep step;
  step.name = name.plain_text();
  step.entry = static_cast<uint32_t>(fb().pc());
  for (const auto& [reg, binding] : fn_.bound) {
    if (!binding || !fb().local_open(binding->name, reg)) continue;
    step.variables.push_back({binding->name, static_cast<uint8_t>(reg), type_name(binding->type)});
  }
  std::sort(step.variables.begin(), step.variables.end(), [](const auto& a, const auto& b) { return a.reg < b.reg; });
  auto& steps = m_.workflows[static_cast<size_t>(fn_.top_step_index)].steps;
  steps.push_back(std::move(step));
  fn_.top_step = &steps.back();
}

//   attempt := 0
// retry:
//   STEP info, enter           ; a checkpoint
//   body                       ; handler covers it
//   STEP info, leave; JMP end
// handler: e := error
//   STEP info, leave
//   if not RETRYABLE(e) or not (attempt < retries): RAISE e
//   attempt += 1; sleep every (with backoff); JMP retry
// end:
void Lowerer::step_stmt(const StepStmt& s) {
  record_top_step(s);
  const int mark = fb().top();
  const int info = fb().alloc();
  build_record({"name", "timeout"}, info, [&](size_t i, int r) {
    expr_to(i == 0 ? s.name.get() : s.timeout.get(), r);
  });
  const bool retries = s.retry != nullptr;
  int attempt = -1, limit = -1;
  if (retries) {
    attempt = fb().alloc();
    load_int(attempt, 0);
    limit = fb().alloc();
    expr_to(s.retry->count.get(), limit);
  }
  const size_t top = fb().pc();
  if (fn_.top_step) fn_.top_step->open_pc = static_cast<uint32_t>(fb().pc());
  fn_.top_step = nullptr;
  // The handler's range starts at the STEP that opens the step, so an error leaving the body
  // closes the step as failed (the VM reports it) before the retry decision.
  const uint32_t start = static_cast<uint32_t>(fb().pc());
  fb().emit_abc(Op::STEP, info, 1, 0);
  block(s.body);
  const uint32_t end = static_cast<uint32_t>(fb().pc());
  fb().emit_abc(Op::STEP, info, 0, 0);
  if (!retries) {
    fb().release_to(mark);
    return;
  }
  const size_t to_end = fb().emit_jump(Op::JMP, 0);
  const uint32_t handler = static_cast<uint32_t>(fb().pc());
  const int err = fb().alloc();
  fb().add_handler(start, end, handler, err, false);
  const int ok = fb().alloc();
  fb().emit_abc(Op::RETRYABLE, ok, err, 0);
  const size_t give_up = fb().emit_jump(Op::JMPIFNOT, ok);
  const size_t exhausted = fb().emit_jlti(attempt, limit);
  fb().emit_abc(Op::ADDIK, attempt, attempt, 129);
  if (s.retry->every) {
    const int args = fb().alloc();
    build_record({"duration", "reason", "backoff", "attempt"}, args, [&](size_t i, int r) {
      if (i == 0) expr_to(s.retry->every.get(), r);
      else if (i == 1) load_string(r, "retry_delay");
      else if (i == 2) expr_to(s.retry->backoff.get(), r);
      else fb().emit_abc(Op::MOVE, r, attempt, 0);
    });
    effect(bytecode::EffectKind::Sleep, args, args);
  }
  fb().emit_jump_back(Op::JMP, 0, top);
  fb().patch(give_up);
  fb().patch(exhausted);
  fb().emit_abc(Op::RAISE, err, 0, 0);
  fb().patch(to_end);
  fb().release_to(mark);
}

}  // namespace wf

// Lowering of effects (SPEC §1.6): each builds one argument record and issues an EFFECT; the
// host reads the record's fields by name. `checkout` checks its identity back in on every way
// out; `parallel` branches and `parallel for` bodies become functions of their own, receiving
// copies of the variables they read.
#include <fmt/format.h>

#include <algorithm>

#include "lower/lowerer.h"
#include "syntax/ast_walk.h"

namespace wf {

using bytecode::EffectKind;
using bytecode::FunctionKind;
using bytecode::Op;

// Each parameter's argument: positional ones in order, then named ones, then the defaults.
std::vector<const Expr*> Lowerer::arg_slots(const std::vector<Arg>& args, const std::vector<Param>& params) {
  std::vector<const Expr*> slots(params.size(), nullptr);
  size_t next = 0;
  for (const Arg& a : args) {
    if (a.name.empty()) {
      if (next < slots.size()) slots[next++] = a.value.get();
      continue;
    }
    for (size_t k = 0; k < params.size(); ++k)
      if (params[k].name.text == a.name.text) slots[k] = a.value.get();
  }
  for (size_t k = 0; k < slots.size(); ++k)
    if (!slots[k]) slots[k] = params[k].default_value.get();
  return slots;
}

void Lowerer::effect(EffectKind kind, int dst, int args) {
  fb().emit_abc(Op::EFFECT, dst, args, 0);
  fb().emit_extra(static_cast<uint32_t>(kind));
}

void Lowerer::run_to(const RunExpr& e, int dst) {
  static const std::vector<std::string> kFields = {"job", "command", "script", "params", "payload", "on", "timeout",
                                                   "retry", "every", "backoff", "as", "priority", "canary",
                                                   "allow_failure"};
  const int mark = fb().top();
  const int args = fb().alloc();
  build_record(kFields, args, [&](size_t i, int r) {
    const std::string& f = kFields[i];
    if (f == "job") {
      std::string job = e.job == JobKind::Script ? "script" : e.job == JobKind::Typed ? e.kind_name.text : "shell";
      if (e.job == JobKind::Command && e.payload && e.payload->type && e.payload->type->kind == TypeKind::List) job = "command";
      load_string(r, job);
    } else if (f == "command") {
      if (e.job != JobKind::Command) load_none(r);
      else if (e.payload && e.payload->type && e.payload->type->kind == TypeKind::List) expr_to(e.payload.get(), r);
      else if (e.payload && e.payload->kind == ExprKind::String) string_to(static_cast<const StringExpr&>(*e.payload), r, true);
      else {
        // A command held in a variable: one literal piece, nothing to quote.
        const int piece = fb().alloc();
        expr_to(e.payload.get(), piece);
        fb().emit_abc(Op::NEWLIST, r, piece, 1);
      }
    } else if (f == "script") {
      if (e.job == JobKind::Script) load_string(r, e.script.text);
      else load_none(r);
    } else if (f == "params") {
      const auto* script = static_cast<const ScriptDecl*>(e.script_decl);
      if (e.job != JobKind::Script || !script) {
        load_none(r);
        return;
      }
      std::vector<std::string> names;
      for (const Param& p : script->params) names.push_back(p.name.text);
      const std::vector<const Expr*> slots = arg_slots(e.script_args, script->params);
      build_record(names, r, [&](size_t k, int slot) { expr_to(slots[k], slot); });
    } else if (f == "payload") {
      if (e.job == JobKind::Typed && e.payload) expr_to(e.payload.get(), r);
      else load_none(r);
    } else if (f == "on") {
      expr_to(e.on.get(), r);
    } else if (f == "timeout") {
      expr_to(e.timeout.get(), r);
    } else if (f == "retry") {
      if (e.retry) expr_to(e.retry->count.get(), r);
      else load_int(r, 0);
    } else if (f == "every") {
      expr_to(e.retry ? e.retry->every.get() : nullptr, r);
    } else if (f == "backoff") {
      expr_to(e.retry ? e.retry->backoff.get() : nullptr, r);
    } else if (f == "as") {
      expr_to(e.as.get(), r);
    } else if (f == "priority") {
      load_string(r, e.priority.text);
    } else if (f == "canary") {
      fb().emit_abc(Op::LOADBOOL, r, e.canary ? 1 : 0, 0);
    } else {
      fb().emit_abc(Op::LOADBOOL, r, e.allow_failure ? 1 : 0, 0);
    }
  });
  effect(EffectKind::Run, dst, args);
  fb().release_to(mark);
}

void Lowerer::approve_to(const ApproveExpr& e, int dst, bool statement) {
  const int mark = fb().top();
  const int args = fb().alloc();
  build_record({"title", "by", "quorum", "timeout", "statement"}, args, [&](size_t i, int r) {
    switch (i) {
      case 0: expr_to(e.title.get(), r); break;
      case 1:
        // A single approver is a list of one.
        if (e.by && e.by->type && e.by->type->kind == TypeKind::Approver) {
          const int one = fb().alloc();
          expr_to(e.by.get(), one);
          fb().emit_abc(Op::NEWLIST, r, one, 1);
        } else {
          expr_to(e.by.get(), r);
        }
        break;
      case 2: load_string(r, e.quorum.empty() ? "one_of_many" : e.quorum.text); break;
      case 3: expr_to(e.timeout.get(), r); break;
      default: fb().emit_abc(Op::LOADBOOL, r, statement ? 1 : 0, 0); break;
    }
  });
  effect(EffectKind::Approve, dst, args);
  fb().release_to(mark);
}

void Lowerer::wait_to(const WaitEventExpr& e, int dst) {
  const int mark = fb().top();
  const int args = fb().alloc();
  build_record({"event", "timeout"}, args, [&](size_t i, int r) { expr_to(i == 0 ? e.event.get() : e.timeout.get(), r); });
  effect(EffectKind::WaitEvent, dst, args);
  fb().release_to(mark);
}

// Calling a workflow starts a child instance: its name and its parameters (defaults filled in).
void Lowerer::child_to(const CallExpr& e, int dst) {
  const auto* wf = static_cast<const WorkflowDecl*>(e.callee_decl);
  std::vector<std::string> names;
  for (const Param& p : wf->params) names.push_back(p.name.text);
  const std::vector<const Expr*> slots = arg_slots(e.args, wf->params);
  const int mark = fb().top();
  const int args = fb().alloc();
  build_record({"workflow", "args"}, args, [&](size_t i, int r) {
    if (i == 0) load_string(r, wf->name.text);
    else build_record(names, r, [&](size_t k, int slot) { expr_to(slots[k], slot); });
  });
  effect(EffectKind::Child, dst, args);
  fb().release_to(mark);
}

void Lowerer::sleep_stmt(const SleepStmt& s) {
  const int mark = fb().top();
  const int args = fb().alloc();
  if (s.until) {
    build_record({"time"}, args, [&](size_t, int r) { expr_to(s.value.get(), r); });
    effect(EffectKind::SleepUntil, args, args);
  } else {
    build_record({"duration", "reason", "backoff", "attempt"}, args, [&](size_t i, int r) {
      if (i == 0) expr_to(s.value.get(), r);
      else if (i == 1) load_string(r, "delay");
      else if (i == 2) load_none(r);
      else load_int(r, 0);
    });
    effect(EffectKind::Sleep, args, args);
  }
  fb().release_to(mark);
}

void Lowerer::checkout_stmt(const CheckoutStmt& s) {
  const int mark = fb().top();
  const int cred = bind_local(s.var_binding, s.var);
  const int args = fb().alloc();
  build_record({"identity", "reason", "ttl"}, args, [&](size_t i, int r) {
    expr_to(i == 0 ? s.identity.get() : i == 1 ? s.reason.get() : s.ttl.get(), r);
  });
  effect(EffectKind::Checkout, cred, args);
  fb().release_to(args);
  // Checked back in on every way out: the block's end, a jump out of it, or an error (SPEC §1.6).
  protect([&] { block(s.body); },
          [this, cred] {
            const int inner = fb().top();
            const int in_args = fb().alloc();
            build_record({"credential"}, in_args, [&](size_t, int r) { fb().emit_abc(Op::MOVE, r, cred, 0); });
            effect(EffectKind::Checkin, in_args, in_args);
            fb().release_to(inner);
          });
  fb().release_to(mark);
}

void Lowerer::notify_stmt(const NotifyStmt& s) {
  const int mark = fb().top();
  const int args = fb().alloc();
  build_record({"message", "to"}, args, [&](size_t i, int r) {
    if (i == 0) {
      expr_to(s.message.get(), r);
    } else if (s.to && s.to->type && s.to->type->kind == TypeKind::Channel) {
      const int one = fb().alloc();
      expr_to(s.to.get(), one);
      fb().emit_abc(Op::NEWLIST, r, one, 1);
    } else {
      expr_to(s.to.get(), r);
    }
  });
  effect(EffectKind::Notify, args, args);
  fb().release_to(mark);
}

// The variables of the enclosing function that `body` reads, in order of first use.
std::vector<const Binding*> Lowerer::captures(const Block& body, const Binding* except) {
  std::vector<const Binding*> out;
  AstVisitor v;
  v.on_expr = [&](Expr& e) {
    if (e.kind != ExprKind::Name) return;
    const Binding* b = static_cast<NameExpr&>(e).binding;
    if (!b) return;
    const Binding* root = b->narrows ? b->narrows : b;
    if (root == except || reg_of(root) < 0) return;
    if (std::find(out.begin(), out.end(), root) == out.end()) out.push_back(root);
  };
  walk(const_cast<Block&>(body), v);
  return out;
}

// A branch function: parameters are the captured variables (after `item` for `parallel for`),
// and the body runs as a step named after the branch, which labels it in the timeline.
void Lowerer::parallel_stmt(const ParallelStmt& s) {
  const int mark = fb().top();
  const int n = static_cast<int>(s.branches.size());
  const int handles = fb().alloc_block(n);
  for (int i = 0; i < n; ++i) {
    const Branch& branch = s.branches[i];
    const std::vector<const Binding*> caps = captures(branch.body, nullptr);
    // Capture registers of the caller, at the top, for SPAWN's argument window.
    const int inner = fb().top();
    const int base = fb().alloc_block(static_cast<int>(caps.size()));
    for (size_t k = 0; k < caps.size(); ++k) fb().emit_abc(Op::MOVE, base + static_cast<int>(k), reg_of(caps[k]), 0);

    const std::string name = fmt::format("{}/branch{}", fb().name(), i);
    FunctionState saved = std::move(fn_);
    begin_function(name, FunctionKind::Branch, static_cast<uint8_t>(caps.size()),
                   saved.file);
    fn_.workflow = saved.workflow;
    for (size_t k = 0; k < caps.size(); ++k) fn_.regs[caps[k]] = static_cast<int>(k);
    line_of(branch.range);
    const int info = fb().alloc();
    build_record({"name", "timeout"}, info, [&](size_t f, int r) {
      if (f == 0) expr_to(branch.name.get(), r);
      else load_none(r);
    });
    fb().emit_abc(Op::STEP, info, 1, 0);
    block(branch.body);
    fb().emit_abc(Op::STEP, info, 0, 0);
    fb().emit_abc(Op::RETNONE, 0, 0, 0);
    const int index = static_cast<int>(m_.functions.size());
    m_.functions.push_back(end_function(branch.range));
    fn_ = std::move(saved);

    fb().emit_abc(Op::SPAWN, handles + i, base, static_cast<int>(caps.size()));
    fb().emit_extra(static_cast<uint32_t>(index));
    fb().release_to(inner);
  }
  fb().emit_abc(Op::JOIN, handles, handles, n);
  fb().release_to(mark);
}

void Lowerer::parallel_for_stmt(const ParallelForStmt& s) {
  const std::vector<const Binding*> caps = captures(s.body, s.var_binding);
  const int mark = fb().top();
  const int list = fb().alloc();
  expr_to(s.iterable.get(), list);
  const int limit = fb().alloc();
  if (s.limit) expr_to(s.limit.get(), limit);
  else load_int(limit, 0);
  const int window = fb().alloc_block(1 + static_cast<int>(caps.size()));
  for (size_t k = 0; k < caps.size(); ++k) fb().emit_abc(Op::MOVE, window + 1 + static_cast<int>(k), reg_of(caps[k]), 0);

  const std::string name = fmt::format("{}/each", fb().name());
  FunctionState saved = std::move(fn_);
  begin_function(name, FunctionKind::Branch, static_cast<uint8_t>(1 + caps.size()),
                 saved.file);
  fn_.workflow = saved.workflow;
  if (s.var_binding) fn_.regs[s.var_binding] = 0;
  for (size_t k = 0; k < caps.size(); ++k) fn_.regs[caps[k]] = 1 + static_cast<int>(k);
  line_of(s.range);
  block(s.body);
  fb().emit_abc(Op::RETNONE, 0, 0, 0);
  const int index = static_cast<int>(m_.functions.size());
  m_.functions.push_back(end_function(s.range));
  fn_ = std::move(saved);

  fb().emit_abc(Op::PFOR, window, list, limit);
  fb().emit_extra(static_cast<uint32_t>(index));
  fb().release_to(mark);
}

}  // namespace wf

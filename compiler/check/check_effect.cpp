// Checking the effects of SPEC §1.6 — run, approve, wait event, sleep, checkout, parallel and
// notify — with their clauses. Effects are allowed only in workflow bodies.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "check/checker_impl.h"
#include "stdlib/quorums.h"

namespace wf {

void Checker::check_retry(RetryPolicy& r) {
  check_expr_as(r.count.get(), types_.int_type(), "a retry count");
  if (r.every) check_expr_as(r.every.get(), types_.duration(), "a retry delay");
  if (r.backoff) {
    const Type* t = check_value(r.backoff.get(), types_.float_type(), "a backoff factor");
    if (!t->is_error() && t->kind != TypeKind::Float && t->kind != TypeKind::Int)
      mismatch(r.backoff->range, types_.float_type(), t, "a backoff factor");
  }
}

const Type* Checker::check_run(RunExpr& e) {
  require_workflow(e.range, "`run`");
  switch (e.job) {
    case JobKind::Script: {
      const Binding* b = e.script.empty() ? nullptr : lookup(e.script.text);
      if (!e.script.empty() && (!b || b->kind != BindingKind::Script)) {
        error(b ? DiagCode::TypeMismatch : DiagCode::UnknownName, e.script.range,
              b ? fmt::format("`{}` is not a script", e.script.text) : fmt::format("unknown script `{}`", e.script.text));
        for (Arg& a : e.script_args) check_value(a.value.get(), nullptr, "passed to a script");
        break;
      }
      if (!b) break;
      b->used = true;
      e.script_decl = b->decl;
      // A script's parameters are matched like a call's: `run script s(threshold: 85)`.
      CallExpr call;
      call.range = e.range;
      call.args = std::move(e.script_args);
      call.args_range = e.script.range;
      check_decl_call(call, *b, nullptr);
      e.script_args = std::move(call.args);
      break;
    }
    case JobKind::Command: {
      const Type* t = check_value(e.payload.get(), nullptr, "used in a command");
      const bool ok = t->is_error() || t->kind == TypeKind::String ||
                      (t->kind == TypeKind::List && (t->element->kind == TypeKind::String || t->element->kind == TypeKind::Never));
      if (!ok && !report_optional(e.payload.get(), t, "run as a command"))
        error(DiagCode::TypeMismatch, e.payload->range,
              fmt::format("a command is a `string` or a `list<string>` (argv), found `{}`", type_name(t)));
      break;
    }
    case JobKind::Typed: {
      const Type* schema = types_.job_kind(e.kind_name.text);
      if (!schema) {
        std::string known;
        for (auto k : types_.job_kind_names()) known += (known.empty() ? "" : ", ") + std::string(k);
        error(DiagCode::UnknownName, e.kind_name.range,
              fmt::format("unknown job kind `{}`; known: script, command, {}", e.kind_name.text, known));
        check_expr(e.payload.get());
        break;
      }
      check_job_record(e.payload.get(), schema, e.kind_name.text);
      break;
    }
  }
  if (!e.on) {
    error(DiagCode::BadAnnotation, e.range, "`run` needs its targets: add `on HOSTS`");
  } else {
    const Type* t = check_value(e.on.get(), types_.hosts(), "used as targets");
    if (!assignable(t, types_.hosts()) && !report_optional(e.on.get(), t, "used as targets"))
      mismatch(e.on->range, types_.hosts(), t, "`on`");
  }
  if (e.timeout) check_expr_as(e.timeout.get(), types_.duration(), "a timeout");
  if (e.retry) check_retry(*e.retry);
  if (e.as) {
    const Type* t = check_value(e.as.get(), types_.credential(), "used with `as`");
    if (!assignable(t, types_.credential())) mismatch(e.as->range, types_.credential(), t, "`as` takes a checked-out credential");
  }
  if (!e.priority.empty()) {
    const std::string& p = e.priority.text;
    if (p != "low" && p != "normal" && p != "high" && p != "critical")
      error(DiagCode::BadAnnotation, e.priority.range,
            fmt::format("unknown priority `{}`; one of low, normal, high, critical", p));
  }
  if (e.canary && workflow_) {
    bool has_policy = false;
    for (const Annotation& a : workflow_->annotations) has_policy |= a.name.text == "canary";
    if (!has_policy)
      for (const auto& [name, range] : e.clauses)
        if (name == "canary")
          error(DiagCode::BadAnnotation, range, "`canary` needs the workflow's `@canary(percent: ..)` policy");
  }
  return types_.results();
}

void Checker::check_job_record(Expr* payload, const Type* schema, const std::string& kind) {
  // A record literal is checked field by field against the kind's record type (unknown fields,
  // missing ones, wrong types); any other expression must have that type as a whole.
  const Type* t = check_value(payload, schema, "used in a job");
  if (payload && !assignable(t, schema)) mismatch(payload->range, schema, t, fmt::format("a `{}` job", kind).c_str());
}

const Type* Checker::check_approve(ApproveExpr& e) {
  require_workflow(e.range, "`approve`");
  check_expr_as(e.title.get(), types_.string_type(), "an approval title");
  if (e.by) {
    const Type* t = check_value(e.by.get(), types_.list(types_.approver()), "used as approvers");
    if (!assignable(t, types_.list(types_.approver())) && !assignable(t, types_.approver()))
      mismatch(e.by->range, types_.list(types_.approver()), t, "`by` takes `role(..)`/`user(..)` values");
  }
  if (!e.quorum.empty()) {
    bool known = false;
    for (std::string_view q : stdlib::kApprovalQuorums) known |= e.quorum.text == q;
    if (!known)
      error(DiagCode::BadAnnotation, e.quorum.range,
            fmt::format("unknown quorum `{}`; one of {}", e.quorum.text, fmt::join(stdlib::kApprovalQuorums, ", ")));
  }
  if (e.timeout) check_expr_as(e.timeout.get(), types_.duration(), "an approval timeout");
  return types_.approval();
}

const Type* Checker::check_wait(WaitEventExpr& e) {
  require_workflow(e.range, "`wait event`");
  check_expr_as(e.event.get(), types_.string_type(), "an event name");
  if (e.timeout) check_expr_as(e.timeout.get(), types_.duration(), "an event timeout");
  return types_.json();
}

void Checker::check_sleep(SleepStmt& s) {
  require_workflow(s.range, "`sleep`");
  if (s.until) check_expr_as(s.value.get(), types_.time(), "`sleep until`");
  else check_expr_as(s.value.get(), types_.duration(), "`sleep`");
}

bool Checker::check_checkout(CheckoutStmt& s) {
  require_workflow(s.range, "`checkout`");
  check_expr_as(s.identity.get(), types_.string_type(), "a vault identity name");
  if (s.reason) check_expr_as(s.reason.get(), types_.string_type(), "a checkout reason");
  if (s.ttl) check_expr_as(s.ttl.get(), types_.duration(), "a checkout ttl");
  push_scope();
  s.var_binding = declare_local(s.var, types_.credential(), false);
  const bool exits = check_block(s.body, false);
  pop_scope();
  return exits;
}

void Checker::check_parallel(ParallelStmt& s) {
  require_workflow(s.range, "`parallel`");
  // A branch is its own fiber: `break` and `continue` cannot leave it.
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;
  std::vector<std::string> names;
  const size_t saved_floor = branch_scope_floor_;
  if (body_ == BodyKind::Workflow) branch_scope_floor_ = scopes_.size();  // in a fn, E0301 says enough
  for (Branch& b : s.branches) {
    check_expr_as(b.name.get(), types_.string_type(), "a branch name");
    if (b.name && b.name->kind == ExprKind::String) {
      const std::string n = static_cast<StringExpr&>(*b.name).plain_text();
      if (std::find(names.begin(), names.end(), n) != names.end())
        error(DiagCode::DuplicateDeclaration, b.name->range, fmt::format("branch \"{}\" is declared twice", n));
      names.push_back(n);
    }
    check_block(b.body);
  }
  branch_scope_floor_ = saved_floor;
  loop_depth_ = saved_loops;
}

void Checker::check_parallel_for(ParallelForStmt& s) {
  require_workflow(s.range, "`parallel for`");
  const Type* it = check_value(s.iterable.get(), nullptr, "iterated");
  const Type* element = types_.error();
  if (it->kind == TypeKind::List) element = it->element;
  else if (!it->is_error() && !report_optional(s.iterable.get(), it, "iterated"))
    error(DiagCode::TypeMismatch, s.iterable->range, fmt::format("`parallel for` iterates over a list, found `{}`", type_name(it)));
  if (s.limit) check_expr_as(s.limit.get(), types_.int_type(), "a parallel limit");
  const int saved_loops = loop_depth_;
  const size_t saved_floor = branch_scope_floor_;
  loop_depth_ = 0;
  if (body_ == BodyKind::Workflow) branch_scope_floor_ = scopes_.size();  // in a fn, E0301 says enough
  push_scope();
  s.var_binding = declare_local(s.var, element, false);
  check_block(s.body, false);
  pop_scope();
  branch_scope_floor_ = saved_floor;
  loop_depth_ = saved_loops;
}

void Checker::check_notify(NotifyStmt& s) {
  require_workflow(s.range, "`notify`");
  check_expr_as(s.message.get(), types_.string_type(), "a notification", "passed to `notify`");
  if (s.to) {
    const Type* t = check_value(s.to.get(), types_.list(types_.channel()), "used as a channel");
    if (!assignable(t, types_.channel()) && !assignable(t, types_.list(types_.channel())))
      mismatch(s.to->range, types_.channel(), t, "`to` takes `slack(..)`, `email(..)`, `webhook(..)` or `pagerduty(..)` values");
  }
}

}  // namespace wf

// Checking calls: builtins (overloads and type variables from the stdlib table), functions,
// child workflows, and method syntax (`x.f(a)` is `f(x, a)` when `x` has no field `f`).
#include <fmt/format.h>

#include <algorithm>

#include "check/checker_impl.h"

namespace wf {

namespace {

using Bindings = std::map<std::string, const Type*>;

bool unify(TypeContext& types, const Type* param, const Type* arg, Bindings& binds) {
  if (arg->is_error()) return true;
  switch (param->kind) {
    case TypeKind::TypeVar: {
      if (param->name == "any") return arg->kind != TypeKind::Void && arg->kind != TypeKind::Secret;
      auto it = binds.find(param->name);
      if (it == binds.end() || it->second->kind == TypeKind::Never) {
        binds[param->name] = arg;
        return arg->kind != TypeKind::Void;
      }
      if (assignable(arg, it->second)) return true;
      if (assignable(it->second, arg)) {  // widen: first `none`, then `int` gives `int?`
        it->second = arg;
        return true;
      }
      return false;
    }
    case TypeKind::List:
    case TypeKind::Map:
      if (arg->kind == TypeKind::Never) return true;
      return arg->kind == param->kind && unify(types, param->element, arg->element, binds);
    case TypeKind::Optional:
      if (arg->kind == TypeKind::None) return true;
      if (arg->kind == TypeKind::Optional) return unify(types, param->element, arg->element, binds);
      return unify(types, param->element, arg, binds);
    default:
      return assignable(arg, param);
  }
}

const Type* substitute(TypeContext& types, const Type* t, const Bindings& binds) {
  switch (t->kind) {
    case TypeKind::TypeVar: {
      auto it = binds.find(t->name);
      return it == binds.end() ? types.error() : it->second;
    }
    case TypeKind::List: return types.list(substitute(types, t->element, binds));
    case TypeKind::Map: return types.map(substitute(types, t->element, binds));
    case TypeKind::Optional: return types.optional(substitute(types, t->element, binds));
    default: return t;
  }
}

// Puts each argument in its parameter's slot: positional ones in order, then named ones.
// Returns the problem as text, or an empty string when every slot is well filled.
struct Slots {
  std::vector<int> arg_of_param;  // -1: not given
  std::string problem;
  SourceRange problem_range;
};

Slots place_args(const std::vector<Arg>& args, bool has_receiver, const std::vector<ParamSig>& params,
                 SourceRange call_range, const std::string& callee) {
  Slots s;
  s.arg_of_param.assign(params.size(), -1);
  size_t next = 0;
  if (has_receiver) {
    if (params.empty()) {
      s.problem = fmt::format("`{}` takes no arguments", callee);
      s.problem_range = call_range;
      return s;
    }
    s.arg_of_param[next++] = -2;  // the receiver
  }
  bool seen_named = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg& a = args[i];
    if (a.name.empty()) {
      if (seen_named) {
        s.problem = "a positional argument cannot follow a named one";
        s.problem_range = a.range;
        return s;
      }
      if (next >= params.size()) {
        s.problem = fmt::format("`{}` takes {} argument{}, but {} were given", callee, params.size() - has_receiver,
                                params.size() - has_receiver == 1 ? "" : "s", args.size());
        s.problem_range = a.range;
        return s;
      }
      s.arg_of_param[next++] = static_cast<int>(i);
      continue;
    }
    seen_named = true;
    size_t p = 0;
    while (p < params.size() && params[p].name != a.name.text) ++p;
    if (p == params.size()) {
      s.problem = fmt::format("`{}` has no parameter named `{}`", callee, a.name.text);
      s.problem_range = a.name.range;
      return s;
    }
    if (s.arg_of_param[p] != -1) {
      s.problem = fmt::format("parameter `{}` is given twice", a.name.text);
      s.problem_range = a.name.range;
      return s;
    }
    s.arg_of_param[p] = static_cast<int>(i);
  }
  std::vector<std::string> missing;
  for (size_t p = 0; p < params.size(); ++p)
    if (s.arg_of_param[p] == -1 && !params[p].has_default) missing.push_back("`" + params[p].name + "`");
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size(); ++i) list += (i ? ", " : "") + missing[i];
    s.problem = fmt::format("missing argument{} {} of `{}`", missing.size() > 1 ? "s" : "", list, callee);
    s.problem_range = call_range;
  }
  return s;
}

}  // namespace

const Type* Checker::check_call(CallExpr& e) {
  Expr* callee = e.callee.get();
  if (callee && callee->kind == ExprKind::Name) {
    auto& name = static_cast<NameExpr&>(*callee);
    const Binding* b = lookup(name.name.text);
    if (b && (b->kind == BindingKind::Fn || b->kind == BindingKind::Workflow)) {
      name.binding = b;
      b->used = true;
      return check_decl_call(e, *b, nullptr);
    }
    if (!b && !stdlib::overloads(name.name.text).empty()) return check_builtin_call(e, name.name.text, nullptr);
    if (!b) {
      auto& d = error(DiagCode::UnknownName, name.range, fmt::format("unknown function `{}`", name.name.text));
      std::vector<std::string> callables;
      for (const auto& [n, v] : modules_[file_].values)
        if (v->kind == BindingKind::Fn || v->kind == BindingKind::Workflow) callables.push_back(n);
      std::sort(callables.begin(), callables.end());
      for (const auto& builtin : stdlib::builtins()) callables.emplace_back(builtin.name);
      suggest_name(d, name.range, name.name.text, callables);
    } else {
      check_name(name);
      if (b->kind == BindingKind::Script)
        error(DiagCode::NotCallable, name.range,
              fmt::format("`{}` is a script: run it with `run script {}(...) on TARGETS`", name.name.text, name.name.text));
      else
        error(DiagCode::NotCallable, name.range, fmt::format("`{}` is not a function", name.name.text));
    }
    for (Arg& a : e.args) check_value(a.value.get(), nullptr, "passed to a function");
    return types_.error();
  }
  if (callee && callee->kind == ExprKind::Field) {
    auto& field = static_cast<FieldExpr&>(*callee);
    const Type* obj = check_value(field.object.get(), nullptr, "passed to a function");
    const std::string& fname = field.field.text;
    if (obj->kind == TypeKind::Record && obj->field(fname)) {
      error(DiagCode::NotCallable, field.field.range, fmt::format("field `{}` of `{}` is not a function", fname, type_name(obj)));
      for (Arg& a : e.args) check_value(a.value.get(), nullptr, "passed to a function");
      return types_.error();
    }
    const Binding* b = modules_[file_].values.count(fname) ? modules_[file_].values[fname] : nullptr;
    if (b && (b->kind == BindingKind::Fn || b->kind == BindingKind::Workflow)) {
      b->used = true;
      return check_decl_call(e, *b, field.object.get());
    }
    if (!stdlib::overloads(fname).empty()) return check_builtin_call(e, fname, field.object.get());
    if (!obj->is_error())
      error(DiagCode::UnknownName, field.field.range,
            fmt::format("`{}` has no field `{}` and there is no function `{}`", type_name(obj), fname, fname));
    for (Arg& a : e.args) check_value(a.value.get(), nullptr, "passed to a function");
    return types_.error();
  }
  const Type* t = check_expr(callee);
  if (!t->is_error())
    error(DiagCode::NotCallable, callee->range, fmt::format("a value of type `{}` is not callable", type_name(t)));
  for (Arg& a : e.args) check_value(a.value.get(), nullptr, "passed to a function");
  return types_.error();
}

const Type* Checker::check_decl_call(CallExpr& e, const Binding& b, Expr* receiver) {
  const Signature& sig = signature_of(b.decl);
  const bool workflow = b.kind == BindingKind::Workflow;
  e.target = workflow ? CallTarget::Workflow : (receiver ? CallTarget::Method : CallTarget::Function);
  e.callee_decl = b.decl;
  if (workflow) require_workflow(e.range, "calling a workflow (it starts a child instance)");
  const std::string use = fmt::format("passed to `{}`", b.name);
  Slots slots = place_args(e.args, receiver != nullptr, sig.params, e.args_range, b.name);
  if (!slots.problem.empty()) error(DiagCode::WrongArguments, slots.problem_range, slots.problem);
  // Check every argument, against its parameter's type when it has a slot.
  std::vector<const ParamSig*> param_of_arg(e.args.size(), nullptr);
  for (size_t p = 0; p < slots.arg_of_param.size(); ++p)
    if (slots.arg_of_param[p] >= 0) param_of_arg[slots.arg_of_param[p]] = &sig.params[p];
  if (receiver && !sig.params.empty()) {
    const Type* t = receiver->type ? receiver->type : types_.error();
    if (!assignable(t, sig.params[0].type) && !report_optional(receiver, t, use.c_str()))
      mismatch(receiver->range, sig.params[0].type, t, fmt::format("argument `{}`", sig.params[0].name).c_str());
  }
  for (size_t i = 0; i < e.args.size(); ++i) {
    const ParamSig* p = param_of_arg[i];
    Expr* v = e.args[i].value.get();
    const Type* t = check_value(v, p ? p->type : nullptr, use.c_str());
    if (p && v && !assignable(t, p->type) && !report_optional(v, t, use.c_str()))
      mismatch(v->range, p->type, t, fmt::format("argument `{}`", p->name).c_str());
  }
  return sig.result;
}

const Type* Checker::check_builtin_call(CallExpr& e, const std::string& name, Expr* receiver) {
  const auto overloads = stdlib::overloads(name);
  const size_t first = static_cast<size_t>(overloads.data() - stdlib::builtins().data());
  const std::string use = fmt::format("passed to `{}`", name);
  std::vector<const Type*> arg_types;
  for (Arg& a : e.args) arg_types.push_back(check_value(a.value.get(), nullptr, use.c_str()));
  const Type* receiver_type = receiver ? (receiver->type ? receiver->type : types_.error()) : nullptr;
  if (receiver_type && receiver_type->kind == TypeKind::Void) receiver_type = types_.error();

  // Try the overloads in table order; remember the closest miss for the diagnostic.
  int arity_matches = 0;
  std::string first_problem;
  SourceRange first_problem_range = e.args_range;
  const Expr* mismatched = nullptr;
  const Type* mismatched_type = nullptr;
  const Type* mismatched_want = nullptr;
  for (size_t k = 0; k < overloads.size(); ++k) {
    const Signature& sig = builtin_signature(first + k);
    Slots slots = place_args(e.args, receiver != nullptr, sig.params, e.args_range, name);
    if (!slots.problem.empty()) {
      if (first_problem.empty()) {
        first_problem = slots.problem;
        first_problem_range = slots.problem_range;
      }
      continue;
    }
    ++arity_matches;
    Bindings binds;
    bool ok = true;
    for (size_t p = 0; p < sig.params.size() && ok; ++p) {
      const int a = slots.arg_of_param[p];
      const Type* t = a == -2 ? receiver_type : arg_types[a];
      const Expr* ex = a == -2 ? receiver : e.args[a].value.get();
      if (t->is_error()) {
        // An earlier mistake: accept this overload so nothing more is said about it.
        continue;
      }
      if (!unify(types_, sig.params[p].type, t, binds)) {
        ok = false;
        if (!mismatched) {
          mismatched = ex;
          mismatched_type = t;
          mismatched_want = substitute(types_, sig.params[p].type, binds);
        }
      }
    }
    if (!ok) continue;
    e.target = receiver ? CallTarget::Method : CallTarget::Builtin;
    e.overload = static_cast<int>(first + k);
    return substitute(types_, sig.result, binds);
  }
  if (arity_matches == 0) {
    auto& d = error(DiagCode::WrongArguments, first_problem_range, first_problem);
    for (const auto& o : overloads)
      d.notes.push_back({Location{file_, e.range}, fmt::format("`{}{}`", name, o.signature)});
    return types_.error();
  }
  if (mismatched && mismatched_type->kind == TypeKind::Optional &&
      assignable(mismatched_type->element, mismatched_want->kind == TypeKind::TypeVar ? mismatched_type->element : mismatched_want)) {
    report_optional(const_cast<Expr*>(mismatched), mismatched_type, use.c_str());
    return types_.error();
  }
  if (arity_matches == 1 && mismatched) {
    auto& d = error(DiagCode::TypeMismatch, mismatched->range,
                    fmt::format("`{}` expects `{}` here, found `{}`", name, type_name(mismatched_want), type_name(mismatched_type)));
    d.notes.push_back({Location{file_, e.range}, fmt::format("`{}{}`", name, overloads[0].signature)});
    return types_.error();
  }
  std::string found;
  if (receiver_type) found = type_name(receiver_type);
  for (const Type* t : arg_types) found += (found.empty() ? "" : ", ") + type_name(t);
  auto& d = error(DiagCode::TypeMismatch, mismatched ? mismatched->range : e.range,
                  fmt::format("no form of `{}` accepts ({})", name, found));
  for (const auto& o : overloads) d.notes.push_back({Location{file_, e.range}, fmt::format("`{}{}`", name, o.signature)});
  return types_.error();
}

}  // namespace wf

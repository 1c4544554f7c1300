// Lowering of a whole program: the module's tables (constants, shapes, builtins, functions,
// globals), the initializer that computes module constants, functions, workflows with their
// parameter defaults and annotations, and scripts.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <set>

#include "lower/lowerer.h"
#include "stdlib/builtins.h"
#include "syntax/ast_walk.h"
#include "syntax/literals.h"

namespace wf {

using bytecode::Constant;
using bytecode::ConstKind;
using bytecode::FunctionKind;
using bytecode::Op;

std::optional<bytecode::Module> lower_program(const Compilation& compilation, DiagnosticSink& sink) {
  Lowerer lowerer(compilation, sink);
  return lowerer.run();
}

int Lowerer::constant(const Constant& k) {
  std::string key = std::to_string(static_cast<int>(k.kind)) + ":" + std::to_string(k.i) + ":";
  if (k.kind == ConstKind::Float) key += fmt::format("{}", k.f);
  key += k.s;
  auto it = constant_index_.find(key);
  if (it != constant_index_.end()) return it->second;
  const int index = static_cast<int>(m_.constants.size());
  if (index >= bytecode::kMaxConstants) {
    failed_ = true;
    return 0;
  }
  m_.constants.push_back(k);
  constant_index_.emplace(std::move(key), index);
  return index;
}

int Lowerer::string_constant(const std::string& s) {
  Constant k;
  k.kind = ConstKind::String;
  k.s = s;
  return constant(k);
}

int Lowerer::shape(const std::vector<std::string>& names) {
  auto it = shape_index_.find(names);
  if (it != shape_index_.end()) return it->second;
  const int index = static_cast<int>(m_.shapes.size());
  m_.shapes.push_back(names);
  shape_index_.emplace(names, index);
  return index;
}

int Lowerer::builtin(size_t overload) {
  auto it = builtin_index_.find(overload);
  if (it != builtin_index_.end()) return it->second;
  const auto& sig = stdlib::builtins()[overload];
  const int index = static_cast<int>(m_.builtins.size());
  m_.builtins.push_back(fmt::format("{}{}", sig.name, sig.signature));
  builtin_index_.emplace(overload, index);
  return index;
}

int Lowerer::builtin_named(std::string_view name, std::string_view signature) {
  const auto all = stdlib::builtins();
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].name == name && all[i].signature == signature) return builtin(i);
  failed_ = true;  // the table lost an overload the lowering relies on
  sink_.report(DiagCode::LimitExceeded, {}, fmt::format("internal: builtin `{}{}` is missing", name, signature));
  return 0;
}

int Lowerer::function_of(const Decl* d) {
  auto it = function_index_.find(d);
  return it == function_index_.end() ? 0 : it->second;
}

int Lowerer::global_of(const ConstDecl* d) {
  auto it = global_index_.find(d);
  return it == global_index_.end() ? 0 : it->second;
}

void Lowerer::report_limits(const std::string& what, SourceRange where) {
  failed_ = true;
  sink_.report(DiagCode::LimitExceeded, Location{fn_.file, where}, what);
}

void Lowerer::line_of(SourceRange r) {
  fb().set_line(c_.file(fn_.file).position(r.begin).line);
}

void Lowerer::begin_function(std::string name, FunctionKind kind, uint8_t params, uint32_t file) {
  fn_ = FunctionState{};
  fn_.fb = std::make_unique<FunctionBuilder>(std::move(name), kind, params, file);
  fn_.file = file;
}

bytecode::Function Lowerer::end_function(SourceRange where) {
  if (fb().overflowed())
    report_limits(fmt::format("`{}` needs more than {} registers; split it into smaller functions", fb().finish().name,
                              bytecode::kMaxRegisters),
                  where);
  if (fb().jump_out_of_range()) report_limits("this body is too long for a jump; split it into smaller functions", where);
  return fb().finish();
}

// Every function and workflow gets its index first, so calls can name functions not yet lowered.
void Lowerer::declare_everything() {
  for (uint32_t f = 0; f < c_.files().size(); ++f) {
    m_.sources.push_back({c_.file(f).path(), ""});  // the hash is filled in by whoever writes the module
    for (const auto& decl : c_.module(f).decls) {
      decl_file_[decl.get()] = f;
      if (decl->kind == DeclKind::Fn || decl->kind == DeclKind::Workflow) {
        function_index_[decl.get()] = static_cast<int>(m_.functions.size());
        m_.functions.emplace_back();
      } else if (decl->kind == DeclKind::Const) {
        global_index_[static_cast<const ConstDecl*>(decl.get())] = static_cast<int>(m_.globals.size());
        m_.globals.push_back(decl->name.text);
      }
    }
  }
}

// The initializer computes every module constant once, each after the constants it reads, the
// rest in declaration order.
void Lowerer::lower_init() {
  std::vector<const ConstDecl*> order;
  std::set<const ConstDecl*> placed;
  std::function<void(const ConstDecl*)> place = [&](const ConstDecl* d) {
    if (!placed.insert(d).second) return;
    AstVisitor v;
    v.on_expr = [&](Expr& e) {
      if (e.kind != ExprKind::Name) return;
      const Binding* b = static_cast<NameExpr&>(e).binding;
      if (b && b->kind == BindingKind::Const) place(static_cast<const ConstDecl*>(b->decl));
    };
    walk(const_cast<Expr*>(d->value.get()), v);
    order.push_back(d);
  };
  for (uint32_t f = 0; f < c_.files().size(); ++f)
    for (const auto& decl : c_.module(f).decls)
      if (decl->kind == DeclKind::Const) place(static_cast<const ConstDecl*>(decl.get()));
  if (order.empty()) return;
  begin_function("<init>", FunctionKind::Init, 0, 0);
  for (const ConstDecl* d : order) {
    fn_.file = decl_file_[d];
    line_of(d->range);
    const int mark = fb().top();
    const int r = expr_any(d->value.get());
    fb().emit_abx(Op::SETGLOBAL, r, global_of(d));
    fb().release_to(mark);
  }
  fb().emit_abc(Op::RETNONE, 0, 0, 0);
  m_.init_function = static_cast<int>(m_.functions.size());
  m_.functions.push_back(end_function({}));
}

namespace {
bool scalar(const Type* t) {
  if (!t) return false;
  switch (t->kind) {
    case TypeKind::Int: case TypeKind::Float: case TypeKind::Bool: case TypeKind::Duration:
    case TypeKind::Time: case TypeKind::None: case TypeKind::Void: case TypeKind::Never:
      return true;
    case TypeKind::Optional: return scalar(t->element);
    default: return false;
  }
}

bool scalar_type_expr(const TypeExpr* t) {
  if (!t) return false;
  if (t->kind == TypeExprKind::Optional) return scalar_type_expr(static_cast<const OptionalTypeExpr*>(t)->inner.get());
  if (t->kind != TypeExprKind::Named) return false;
  const std::string& n = static_cast<const NamedTypeExpr*>(t)->name.text;
  return n == "int" || n == "float" || n == "bool" || n == "duration" || n == "time";
}

// Whether every register of the function only ever holds a scalar: its parameters are scalars
// and every expression in its body has a scalar type. Then a return releases nothing.
bool scalar_registers(const FnDecl& d) {
  for (const Param& p : d.params)
    if (!scalar_type_expr(p.type.get())) return false;
  bool all = true;
  AstVisitor v;
  v.on_expr = [&](Expr& e) {
    // A called function's name is not a value (the checker gives it no type).
    if (e.kind == ExprKind::Name && !e.type) {
      const Binding* b = static_cast<NameExpr&>(e).binding;
      if (b && (b->kind == BindingKind::Fn || b->kind == BindingKind::Workflow)) return;
    }
    all = all && scalar(e.type);
  };
  walk(const_cast<Block&>(d.body), v);
  return all;
}
}  // namespace

void Lowerer::lower_fn(const FnDecl& d, int index) {
  begin_function(d.name.text, FunctionKind::Fn, static_cast<uint8_t>(d.params.size()), decl_file_[&d]);
  line_of(d.range);
  block(d.body);
  fb().emit_abc(Op::RETNONE, 0, 0, 0);
  m_.functions[index] = end_function(d.name.range);
  m_.functions[index].scalar_registers = scalar_registers(d);
}

// A parameter default is a function of no arguments, so a service can compute it when an
// instance starts without the parameter (SPEC §1.2).
int Lowerer::lower_default(const Param& p, const std::string& owner) {
  if (!p.default_value) return -1;
  FunctionState saved = std::move(fn_);
  begin_function(fmt::format("{}.{}=", owner, p.name.text), FunctionKind::Init, 0, saved.file);
  line_of(p.range);
  const int r = expr_any(p.default_value.get());
  fb().emit_abc(Op::RET, r, 0, 0);
  const int index = static_cast<int>(m_.functions.size());
  m_.functions.push_back(end_function(p.range));
  fn_ = std::move(saved);
  return index;
}

// A workflow's or script's parameter as the module describes it: name, type as written, default.
bytecode::Param Lowerer::lower_param(const Param& p, const std::string& owner, uint32_t file) {
  bytecode::Param out;
  out.name = p.name.text;
  if (p.type) out.type = std::string(c_.file(file).slice(p.type->range));
  out.default_fn = lower_default(p, owner);
  return out;
}

void Lowerer::lower_workflow(const WorkflowDecl& d, int index) {
  const uint32_t file = decl_file_[&d];
  bytecode::Workflow w;
  w.name = d.name.text;
  w.function = static_cast<uint32_t>(index);
  w.docs = d.docs;
  if (d.result) w.result_type = std::string(c_.file(file).slice(d.result->range));
  fn_.file = file;
  for (const Param& p : d.params) w.params.push_back(lower_param(p, d.name.text, file));
  for (const Annotation& a : d.annotations) w.annotations.push_back({a.name.text, annotation_json(a)});
  m_.workflows.push_back(std::move(w));

  begin_function(d.name.text, FunctionKind::Workflow, static_cast<uint8_t>(d.params.size()), file);
  fn_.workflow = &d;
  fn_.top_step_index = static_cast<int>(m_.workflows.size()) - 1;
  line_of(d.range);
  block(d.body);
  fb().emit_abc(Op::RETNONE, 0, 0, 0);
  m_.functions[index] = end_function(d.name.range);
}

// Annotation arguments as compact JSON: literals become JSON values (durations in ms,
// percentages as numbers), names (`@trigger(manual)`) become strings.
std::string Lowerer::annotation_json(const Annotation& a) {
  auto value = [](const Expr* e) -> std::string {
    if (!e) return "null";
    switch (e->kind) {
      case ExprKind::Int: return std::to_string(static_cast<const IntExpr*>(e)->value);
      case ExprKind::Duration: return std::to_string(static_cast<const DurationExpr*>(e)->millis);
      case ExprKind::Percent: return fmt::format("{}", static_cast<const PercentExpr*>(e)->value);
      case ExprKind::Float: return fmt::format("{}", static_cast<const FloatExpr*>(e)->value);
      case ExprKind::Bool: return static_cast<const BoolExpr*>(e)->value ? "true" : "false";
      case ExprKind::Name: return nlohmann::json(static_cast<const NameExpr*>(e)->name.text).dump();
      case ExprKind::String: return nlohmann::json(static_cast<const StringExpr*>(e)->plain_text()).dump();
      default: return "null";
    }
  };
  if (a.args.empty()) return "{}";
  if (a.args.size() == 1 && a.args[0].name.empty() && a.name.text != "canary") return value(a.args[0].value.get());
  std::string out = "{";
  for (size_t i = 0; i < a.args.size(); ++i) {
    std::string key = a.args[i].name.text;
    // The positional forms: @canary's percent and threshold, @schedule's expression.
    if (key.empty()) key = a.name.text == "schedule" ? "cron" : i == 0 ? "percent" : "threshold";
    out += fmt::format("{}\"{}\":{}", i ? "," : "", key, value(a.args[i].value.get()));
  }
  return out + "}";
}

void Lowerer::lower_script(const ScriptDecl& d) {
  bytecode::Script s;
  s.name = d.name.text;
  s.is_library = d.kind == DeclKind::Library;
  s.lang = "bash";
  s.docs = d.docs;
  const uint32_t file = decl_file_[&d];
  for (const Setting& st : d.settings) {
    const Expr* v = st.value.get();
    if (!v) continue;
    if (st.key.text == "lang" && v->kind == ExprKind::Name) s.lang = static_cast<const NameExpr*>(v)->name.text;
    else if (st.key.text == "body" && v->kind == ExprKind::String) s.body = static_cast<const StringExpr*>(v)->plain_text();
    else if (st.key.text == "timeout" && v->kind == ExprKind::Duration) s.timeout_ms = static_cast<const DurationExpr*>(v)->millis;
    else if (st.key.text == "elevated" && v->kind == ExprKind::Bool) s.elevated = static_cast<const BoolExpr*>(v)->value;
    else if (st.key.text == "uses" && v->kind == ExprKind::List)
      for (const auto& item : static_cast<const ListExpr*>(v)->items)
        if (item->kind == ExprKind::Name)
          if (const Binding* b = static_cast<const NameExpr*>(item.get())->binding; b && b->decl)
            s.uses.push_back(static_cast<uint32_t>(script_index_[b->decl]));
  }
  fn_.file = file;
  for (const Param& p : d.params) s.params.push_back(lower_param(p, d.name.text, file));
  m_.scripts.push_back(std::move(s));
}

std::optional<bytecode::Module> Lowerer::run() {
  declare_everything();
  // Libraries first, so scripts can point at them by index.
  for (int pass = 0; pass < 2; ++pass)
    for (uint32_t f = 0; f < c_.files().size(); ++f)
      for (const auto& decl : c_.module(f).decls) {
        const bool want = pass == 0 ? decl->kind == DeclKind::Library : decl->kind == DeclKind::Script;
        if (!want) continue;
        script_index_[decl.get()] = static_cast<int>(m_.scripts.size());
        lower_script(static_cast<const ScriptDecl&>(*decl));
      }
  lower_init();
  for (uint32_t f = 0; f < c_.files().size(); ++f)
    for (const auto& decl : c_.module(f).decls) {
      if (decl->kind == DeclKind::Fn) lower_fn(static_cast<const FnDecl&>(*decl), function_of(decl.get()));
      if (decl->kind == DeclKind::Workflow) lower_workflow(static_cast<const WorkflowDecl&>(*decl), function_of(decl.get()));
    }
  if (failed_) return std::nullopt;
  return std::move(m_);
}

}  // namespace wf

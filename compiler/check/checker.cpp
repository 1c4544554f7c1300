// The checker's driver: declares every module's names, brings imported names into scope, then
// checks constants, functions, scripts and workflows, module by module.
#include "check/checker_impl.h"

#include <fmt/format.h>

#include <algorithm>

namespace wf {

void check_modules(const CheckInput& input, TypeContext& types, std::deque<Binding>& bindings, DiagnosticSink& sink) {
  Checker checker(input, types, bindings, sink);
  checker.run();
}

Diagnostic& Checker::error(DiagCode code, SourceRange where, std::string message) {
  return sink_.report(code, Location{file_, where}, std::move(message));
}

void Checker::mismatch(SourceRange where, const Type* expected, const Type* found, const char* what) {
  if (expected->is_error() || found->is_error()) return;
  if (found->kind == TypeKind::Optional && assignable(found->element, expected)) {
    auto& d = error(DiagCode::UnhandledOptional, where,
                    fmt::format("expected `{}`, found `{}`, which may be `none`", type_name(expected), type_name(found)));
    d.notes.push_back({Location{file_, where}, "check it first: `if x != none { ... }`, or give a default with `get`"});
    return;
  }
  std::string message = fmt::format("expected `{}`, found `{}`", type_name(expected), type_name(found));
  if (what) message = fmt::format("{}: {}", what, message);
  auto& d = error(DiagCode::TypeMismatch, where, message);
  if (expected->kind == TypeKind::Float && found->kind == TypeKind::Int) {
    d.notes.push_back({Location{file_, where}, "there are no implicit conversions: write `float(...)`"});
    suggest_float(d, where);
  }
}

void Checker::run() {
  const uint32_t n = static_cast<uint32_t>(in_.modules.size());
  modules_.resize(n);
  has_syntax_errors_.assign(n, false);
  for (const Diagnostic& d : sink_.all())
    if (d.code == DiagCode::SyntaxError && d.where.file < n) has_syntax_errors_[d.where.file] = true;
  for (uint32_t f = 0; f < n; ++f) declare_module(f);
  for (uint32_t f = 0; f < n; ++f) import_names(f);
  for (uint32_t f = 0; f < n; ++f) check_module_bodies(f);
}

namespace {
BindingKind binding_kind(DeclKind k) {
  switch (k) {
    case DeclKind::Const: return BindingKind::Const;
    case DeclKind::Fn: return BindingKind::Fn;
    case DeclKind::Workflow: return BindingKind::Workflow;
    case DeclKind::Script: return BindingKind::Script;
    case DeclKind::Library: return BindingKind::Library;
    default: return BindingKind::Const;
  }
}
}  // namespace

void Checker::declare_module(uint32_t file) {
  file_ = file;
  ModuleInfo& info = modules_[file];
  std::unordered_map<std::string, SourceRange> seen;
  for (const auto& decl : in_.modules[file]->decls) {
    decl_file_[decl.get()] = file;
    if (decl->kind == DeclKind::Import || decl->name.empty()) continue;
    const std::string& name = decl->name.text;
    if (auto it = seen.find(name); it != seen.end()) {
      auto& d = error(DiagCode::DuplicateDeclaration, decl->name.range, fmt::format("`{}` is declared twice", name));
      d.notes.push_back({Location{file, it->second}, "first declared here"});
      continue;
    }
    seen.emplace(name, decl->name.range);
    if (decl->kind == DeclKind::Type) {
      if (types_.builtin_named(name))
        error(DiagCode::DuplicateDeclaration, decl->name.range, fmt::format("`{}` is a built-in type", name));
      info.type_decls[name] = static_cast<const TypeDecl*>(decl.get());
      continue;
    }
    bindings_.push_back(Binding{name, binding_kind(decl->kind), false, nullptr, Location{file, decl->name.range},
                                decl.get(), nullptr, -1, false, false});
    info.values[name] = &bindings_.back();
    decl_binding_[decl.get()] = &bindings_.back();
  }
}

// Imported modules' declarations become visible in the importing module (not transitively). A
// local declaration with the same name as an imported one is a duplicate.
void Checker::import_names(uint32_t file) {
  file_ = file;
  ModuleInfo& info = modules_[file];
  const Module& m = *in_.modules[file];
  for (const auto& [decl_index, target] : in_.imports[file]) {
    const auto& imp = static_cast<const ImportDecl&>(*m.decls[decl_index]);
    for (const auto& [name, binding] : modules_[target].values) {
      auto it = info.values.find(name);
      if (it == info.values.end()) {
        info.values[name] = binding;
      } else if (it->second != binding) {
        const bool local = it->second->where.file == file;
        auto& d = error(DiagCode::DuplicateDeclaration, local ? it->second->where.range : imp.path_range,
                        fmt::format("`{}` is also declared in the imported module `{}`", name, imp.path));
        d.notes.push_back({binding->where, "declared there"});
      }
    }
    for (const auto& [name, decl] : modules_[target].type_decls)
      if (!info.type_decls.count(name)) info.type_decls[name] = decl;
  }
}

const Signature& Checker::signature_of(const Decl* d) {
  auto it = signatures_.find(d);
  if (it != signatures_.end()) return it->second;
  Signature sig;
  const uint32_t saved = file_;
  file_ = decl_file_[d];  // signatures resolve names in the module that declares them
  auto add_params = [&](const std::vector<Param>& params) {
    for (const Param& p : params) {
      const Type* t = p.type ? resolve_type(p.type.get()) : types_.error();
      sig.params.push_back({p.name.text, t, p.default_value != nullptr});
    }
  };
  if (d->kind == DeclKind::Fn) {
    auto* fn = static_cast<const FnDecl*>(d);
    add_params(fn->params);
    sig.result = fn->result ? resolve_type(fn->result.get()) : types_.void_type();
  } else if (d->kind == DeclKind::Workflow) {
    auto* wf = static_cast<const WorkflowDecl*>(d);
    add_params(wf->params);
    sig.result = wf->result ? resolve_type(wf->result.get()) : types_.void_type();
  } else if (d->kind == DeclKind::Script) {
    add_params(static_cast<const ScriptDecl*>(d)->params);
    sig.result = types_.results();
  }
  file_ = saved;
  return signatures_.emplace(d, std::move(sig)).first->second;
}

const Type* Checker::const_type(const ConstDecl* d) {
  if (auto it = const_types_.find(d); it != const_types_.end()) return it->second;
  if (std::find(resolving_consts_.begin(), resolving_consts_.end(), d) != resolving_consts_.end()) {
    error(DiagCode::UnknownName, d->name.range, fmt::format("constant `{}` is defined in terms of itself", d->name.text));
    return const_types_[d] = types_.error();
  }
  resolving_consts_.push_back(d);
  const uint32_t saved_file = file_;
  file_ = decl_file_[d];
  // A constant's initializer sees only module-level names.
  auto saved_scopes = std::move(scopes_);
  scopes_.clear();
  const BodyKind saved_body = body_;
  body_ = BodyKind::ModuleLevel;
  auto* decl = const_cast<ConstDecl*>(d);
  const Type* declared = d->declared ? resolve_type(d->declared.get()) : nullptr;
  const Type* t = check_value(decl->value.get(), declared, "stored in a constant");
  if (declared) {
    if (!assignable(t, declared)) mismatch(decl->value->range, declared, t);
    t = declared;
  } else if (contains_never(t) || t->kind == TypeKind::None) {
    error(DiagCode::TypeMismatch, decl->value->range,
          "cannot infer the type of this constant: write it, as in `const X: list<string> = []`");
    t = types_.error();
  }
  body_ = saved_body;
  scopes_ = std::move(saved_scopes);
  file_ = saved_file;
  resolving_consts_.pop_back();
  return const_types_[d] = t;
}

void Checker::check_module_bodies(uint32_t file) {
  file_ = file;
  Module& m = *in_.modules[file];
  for (auto& decl : m.decls) {
    check_annotations(*decl);
    switch (decl->kind) {
      case DeclKind::Import: break;
      case DeclKind::Const: {
        auto& d = static_cast<ConstDecl&>(*decl);
        if (auto* b = decl_binding_[&d]) b->type = const_type(&d);
        break;
      }
      case DeclKind::Type: {
        alias_type(static_cast<TypeDecl*>(decl.get()));
        break;
      }
      case DeclKind::Fn: check_fn(static_cast<FnDecl&>(*decl)); break;
      case DeclKind::Workflow: check_workflow(static_cast<WorkflowDecl&>(*decl)); break;
      case DeclKind::Library:
      case DeclKind::Script: check_script(static_cast<ScriptDecl&>(*decl)); break;
    }
  }
}

void Checker::check_params_defaults(std::vector<Param>& params, const Signature& sig) {
  for (size_t i = 0; i < params.size() && i < sig.params.size(); ++i) {
    Param& p = params[i];
    if (!p.default_value) continue;
    auto saved = std::move(scopes_);
    scopes_.clear();  // defaults see module-level names only
    const Type* t = check_value(p.default_value.get(), sig.params[i].type, "a parameter default");
    scopes_ = std::move(saved);
    if (!assignable(t, sig.params[i].type)) mismatch(p.default_value->range, sig.params[i].type, t);
  }
}

void Checker::declare_params(const std::vector<Param>& params, const Signature& sig) {
  for (size_t i = 0; i < params.size(); ++i) {
    const Ident& name = params[i].name;
    if (name.empty()) continue;
    if (scopes_.back().names.count(name.text)) {
      error(DiagCode::DuplicateDeclaration, name.range, fmt::format("parameter `{}` is declared twice", name.text));
      continue;
    }
    if (Binding* b = declare_local(name, sig.params[i].type, false, BindingKind::Param))
      b->param_index = static_cast<int>(i);
  }
}

void Checker::check_fn(FnDecl& d) {
  const Signature& sig = signature_of(&d);
  check_params_defaults(d.params, sig);
  push_scope();
  declare_params(d.params, sig);
  check_body(d.body, BodyKind::Fn, sig.result);
  pop_scope();
}

void Checker::check_workflow(WorkflowDecl& d) {
  const Signature& sig = signature_of(&d);
  check_params_defaults(d.params, sig);
  workflow_ = &d;
  push_scope();
  declare_params(d.params, sig);
  check_body(d.body, BodyKind::Workflow, sig.result);
  pop_scope();
  workflow_ = nullptr;
}

void Checker::check_script(ScriptDecl& d) {
  const bool is_script = d.kind == DeclKind::Script;
  if (is_script) check_params_defaults(d.params, signature_of(&d));
  std::map<std::string, SourceRange> seen;
  for (Setting& s : d.settings) {
    const std::string& key = s.key.text;
    if (seen.count(key)) {
      error(DiagCode::BadAnnotation, s.key.range, fmt::format("setting `{}` is given twice", key));
      continue;
    }
    seen[key] = s.key.range;
    Expr* v = s.value.get();
    if (key == "lang") {
      auto* name = v && v->kind == ExprKind::Name ? static_cast<NameExpr*>(v) : nullptr;
      const std::string lang = name ? name->name.text : "";
      if (lang != "bash" && lang != "python" && lang != "powershell")
        error(DiagCode::BadAnnotation, v ? v->range : s.range, "`lang` is one of `bash`, `python`, `powershell`");
    } else if (key == "body") {
      check_expr_as(v, types_.string_type(), "a script body");
    } else if (is_script && key == "timeout") {
      check_expr_as(v, types_.duration(), "a script timeout");
    } else if (is_script && key == "elevated") {
      check_expr_as(v, types_.bool_type(), "`elevated`");
    } else if (is_script && key == "uses") {
      auto* list = v && v->kind == ExprKind::List ? static_cast<ListExpr*>(v) : nullptr;
      if (!list) {
        error(DiagCode::TypeMismatch, v ? v->range : s.range, "`uses` is a list of library names: `uses = [common_sh]`");
        continue;
      }
      for (auto& item : list->items) {
        auto* name = item->kind == ExprKind::Name ? static_cast<NameExpr*>(item.get()) : nullptr;
        const Binding* b = name ? lookup(name->name.text) : nullptr;
        if (!name) error(DiagCode::TypeMismatch, item->range, "expected a library name");
        else if (!b) error(DiagCode::UnknownName, item->range, fmt::format("unknown library `{}`", name->name.text));
        else if (b->kind != BindingKind::Library)
          error(DiagCode::TypeMismatch, item->range, fmt::format("`{}` is not a library", name->name.text));
        else {
          b->used = true;
          name->binding = b;
        }
      }
    } else {
      error(DiagCode::BadAnnotation, s.key.range,
            fmt::format("unknown setting `{}` for a {}; known: {}", key, is_script ? "script" : "library",
                        is_script ? "lang, timeout, elevated, uses, body" : "lang, body"));
    }
  }
  if (!seen.count("body") && !d.name.empty())
    error(DiagCode::BadAnnotation, d.name.range, fmt::format("`{}` needs a `body = ...` setting", d.name.text));
}

}  // namespace wf

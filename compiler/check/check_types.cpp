// Resolving written types (`list<int>`, `{a: int}`, `Service?`) and the type syntax of the
// standard library's signature table into interned Types.
#include <fmt/format.h>

#include <algorithm>

#include "check/checker_impl.h"

namespace wf {

const Type* Checker::resolve_type(const TypeExpr* t) {
  if (!t) return types_.error();
  switch (t->kind) {
    case TypeExprKind::Named: return resolve_named_type(static_cast<const NamedTypeExpr&>(*t));
    case TypeExprKind::Optional: {
      const Type* inner = resolve_type(static_cast<const OptionalTypeExpr&>(*t).inner.get());
      return types_.optional(inner);
    }
    case TypeExprKind::Record: {
      std::vector<Field> fields;
      for (const FieldTypeExpr& f : static_cast<const RecordTypeExpr&>(*t).fields) {
        bool dup = false;
        for (const Field& g : fields) dup |= g.name == f.name.text;
        if (dup) {
          error(DiagCode::DuplicateDeclaration, f.name.range, fmt::format("field `{}` is declared twice", f.name.text));
          continue;
        }
        fields.push_back({f.name.text, resolve_type(f.type.get())});
      }
      return types_.record(std::move(fields));
    }
  }
  return types_.error();
}

const Type* Checker::resolve_named_type(const NamedTypeExpr& t) {
  const std::string& name = t.name.text;
  if (name.empty()) return types_.error();
  if (name == "list" || name == "map") {
    if (t.args.size() != 1) {
      error(DiagCode::WrongArguments, t.range, fmt::format("`{}` takes one type argument: `{}<string>`", name, name));
      return types_.error();
    }
    const Type* element = resolve_type(t.args[0].get());
    return name == "list" ? types_.list(element) : types_.map(element);
  }
  if (!t.args.empty()) {
    error(DiagCode::WrongArguments, t.range, fmt::format("`{}` takes no type arguments", name));
    return types_.error();
  }
  if (const Type* builtin = types_.builtin_named(name)) return builtin;
  auto& decls = modules_[file_].type_decls;
  auto it = decls.find(name);
  if (it == decls.end()) {
    error(DiagCode::UnknownName, t.name.range, fmt::format("unknown type `{}`", name));
    return types_.error();
  }
  const TypeDecl* d = it->second;
  if (std::find(resolving_aliases_.begin(), resolving_aliases_.end(), d) != resolving_aliases_.end() &&
      !alias_types_.count(d)) {
    error(DiagCode::TypeMismatch, t.name.range,
          fmt::format("type `{}` contains itself; values are trees, so a type cannot be recursive", name));
    return alias_types_[d] = types_.error();
  }
  return alias_type(d);
}

// A named type's structure, resolved once in the module that declares it, so a mistake inside
// it is reported once however often the name is used.
const Type* Checker::alias_type(const TypeDecl* d) {
  if (auto known = alias_types_.find(d); known != alias_types_.end()) return known->second;
  resolving_aliases_.push_back(d);
  const uint32_t saved = file_;
  file_ = decl_file_[d];
  const Type* resolved = resolve_type(d->aliased.get());
  file_ = saved;
  resolving_aliases_.pop_back();
  // A named record keeps its structure; the alias name is only for people. A recursive use may
  // already have stored the error type: keep it.
  return alias_types_.emplace(d, resolved).first->second;
}

// Builtin signatures are parsed once per overload, on first use.
const Signature& Checker::builtin_signature(size_t index) {
  if (auto it = builtin_sigs_.find(index); it != builtin_sigs_.end()) return it->second;
  Signature sig;
  std::vector<std::pair<std::string, const Type*>> params;
  sig.result = types_.parse_signature(stdlib::builtins()[index].signature, params);
  for (auto& [name, type] : params) sig.params.push_back({std::move(name), type, false});
  return builtin_sigs_.emplace(index, std::move(sig)).first->second;
}

}  // namespace wf

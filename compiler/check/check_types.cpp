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

// Builtin signatures: "(name: type, ...) -> type" in wf's type syntax, plus `any` and type
// variables. Parsed once per overload, on first use.
namespace {
void skip_spaces(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
}
std::string_view take_word(std::string_view& s) {
  skip_spaces(s);
  size_t n = 0;
  while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '_')) ++n;
  auto w = s.substr(0, n);
  s.remove_prefix(n);
  return w;
}
bool eat(std::string_view& s, char c) {
  skip_spaces(s);
  if (!s.empty() && s.front() == c) {
    s.remove_prefix(1);
    return true;
  }
  return false;
}
}  // namespace

const Signature& Checker::builtin_signature(size_t index) {
  if (auto it = builtin_sigs_.find(index); it != builtin_sigs_.end()) return it->second;
  std::string_view s = stdlib::builtins()[index].signature;
  Signature sig;
  eat(s, '(');
  while (!eat(s, ')')) {
    std::string name(take_word(s));
    eat(s, ':');
    const Type* t = types_.parse_type_prefix(s);
    sig.params.push_back({name, t, false});
    if (!eat(s, ',')) {
      eat(s, ')');
      break;
    }
  }
  skip_spaces(s);
  if (s.substr(0, 2) == "->") {
    s.remove_prefix(2);
    sig.result = types_.parse_type_prefix(s);
  } else {
    sig.result = types_.void_type();
  }
  return builtin_sigs_.emplace(index, std::move(sig)).first->second;
}

}  // namespace wf

// Checking expressions: literals, names, fields, indexing, operators, strings and the list,
// record and map literals, which take their type from the context when it gives one.
#include <fmt/format.h>

#include <algorithm>

#include "check/checker_impl.h"

namespace wf {

namespace {
// Restores the checker's description of the current use when a sub-expression is done.
struct UseGuard {
  const char*& slot;
  const char* saved;
  UseGuard(const char*& s, const char* use) : slot(s), saved(s) { slot = use; }
  ~UseGuard() { slot = saved; }
};

std::string describe_name(const Expr* e) {
  if (e && e->kind == ExprKind::Name) return "`" + static_cast<const NameExpr*>(e)->name.text + "`";
  return "this value";
}
}  // namespace

const Type* Checker::check_value(Expr* e, const Type* expected, const char* use) {
  UseGuard guard(use_, use);
  return check_expr(e, expected);
}

const Type* Checker::check_expr_as(Expr* e, const Type* expected, const char* what, const char* use) {
  const Type* t = check_value(e, expected, use);
  if (e && !assignable(t, expected)) {
    if (t->kind == TypeKind::Optional && assignable(t->element, expected)) report_optional(e, t, what);
    else mismatch(e->range, expected, t, what);
  }
  return t;
}

bool Checker::report_optional(Expr* e, const Type* t, const char* what) {
  if (!t || t->kind != TypeKind::Optional) return false;
  auto& d = error(DiagCode::UnhandledOptional, e->range,
                  fmt::format("{} is `{}`, which may be `none`{}", describe_name(e), type_name(t),
                              what ? fmt::format(", and cannot be {}", what) : std::string()));
  suggest_none_check(d, e);
  if (!d.fix) d.notes.push_back({Location{file_, e->range}, "check it first: `if x != none { ... }`"});
  return true;
}

void Checker::check_condition(Expr* e) {
  const Type* t = check_value(e, types_.bool_type(), "used as a condition");
  if (!e || t->is_error() || t->kind == TypeKind::Bool) return;
  if (t->kind == TypeKind::Optional && t->element->kind == TypeKind::Bool) {
    report_optional(e, t, "used as a condition");
    return;
  }
  error(DiagCode::ConditionNotBool, e->range,
        fmt::format("a condition must be `bool`, found `{}`{}", type_name(t),
                    t->kind == TypeKind::Optional ? "; compare it: `x != none`" : ""));
}

const Type* Checker::check_expr(Expr* e, const Type* expected) {
  if (!e) return types_.error();
  const Type* t = types_.error();
  switch (e->kind) {
    case ExprKind::Error: t = types_.error(); break;
    case ExprKind::Int: t = types_.int_type(); break;
    case ExprKind::Float: t = types_.float_type(); break;
    case ExprKind::Percent: t = types_.float_type(); break;
    case ExprKind::Bool: t = types_.bool_type(); break;
    case ExprKind::Duration: t = types_.duration(); break;
    case ExprKind::None:
      t = expected && expected->kind == TypeKind::Optional ? expected : types_.none();
      break;
    case ExprKind::String: t = check_string(static_cast<StringExpr&>(*e)); break;
    case ExprKind::Name: t = check_name(static_cast<NameExpr&>(*e)); break;
    case ExprKind::List: t = check_list(static_cast<ListExpr&>(*e), expected); break;
    case ExprKind::Record: t = check_record(static_cast<RecordExpr&>(*e), expected); break;
    case ExprKind::Map: t = check_map(static_cast<MapExpr&>(*e), expected); break;
    case ExprKind::Field: t = check_field(static_cast<FieldExpr&>(*e)); break;
    case ExprKind::Index: t = check_index(static_cast<IndexExpr&>(*e)); break;
    case ExprKind::Call: t = check_call(static_cast<CallExpr&>(*e)); break;
    case ExprKind::Unary: t = check_unary(static_cast<UnaryExpr&>(*e)); break;
    case ExprKind::Binary: t = check_binary(static_cast<BinaryExpr&>(*e)); break;
    case ExprKind::Run: t = check_run(static_cast<RunExpr&>(*e)); break;
    case ExprKind::Approve: t = check_approve(static_cast<ApproveExpr&>(*e)); break;
    case ExprKind::WaitEvent: t = check_wait(static_cast<WaitEventExpr&>(*e)); break;
  }
  e->type = t;
  return t;
}

const Type* Checker::check_name(NameExpr& e) {
  const Binding* b = lookup(e.name.text);
  if (!b) {
    if (!stdlib::overloads(e.name.text).empty())
      error(DiagCode::TypeMismatch, e.range, fmt::format("`{}` is a standard library function; call it: `{}(...)`", e.name.text, e.name.text));
    else
      suggest_name(error(DiagCode::UnknownName, e.range, fmt::format("unknown name `{}`", e.name.text)), e.range,
                   e.name.text, value_names());
    return types_.error();
  }
  e.binding = b;
  b->used = true;
  if (b->narrows) b->narrows->used = true;
  switch (b->kind) {
    case BindingKind::Local:
    case BindingKind::Param: return b->type ? b->type : types_.error();
    case BindingKind::Const: return const_type(static_cast<const ConstDecl*>(b->decl));
    case BindingKind::Fn:
    case BindingKind::Workflow:
    case BindingKind::Script:
    case BindingKind::Library: {
      const char* what = b->kind == BindingKind::Fn ? "a function" : b->kind == BindingKind::Workflow ? "a workflow"
                         : b->kind == BindingKind::Script ? "a script" : "a library";
      error(DiagCode::TypeMismatch, e.range, fmt::format("`{}` is {}, not a value", e.name.text, what));
      return types_.error();
    }
  }
  return types_.error();
}

const Type* Checker::check_field(FieldExpr& e) {
  const Type* obj = check_expr(e.object.get());
  const std::string& name = e.field.text;
  if (obj->is_error() || name.empty()) return types_.error();
  if (obj->kind == TypeKind::Optional) {
    report_optional(e.object.get(), obj, "accessed with `.`");
    return types_.error();
  }
  if (obj->kind == TypeKind::Record) {
    if (const Field* f = obj->field(name)) return f->type;
  } else if (obj->kind == TypeKind::Json) {
    return types_.json();  // a member of a JSON object; JSON null when it has none
  } else if (obj->kind == TypeKind::Credential) {
    if (name == "username" || name == "domain" || name == "credential_type") return types_.string_type();
    if (name == "secret") {
      auto& d = error(DiagCode::SecretEscapes, e.range,
                      fmt::format("a secret cannot be {}", use_ ? use_ : "used in an expression"));
      d.notes.push_back({Location{file_, e.range},
                         "a secret reaches a process only through `run ... as CREDENTIAL`, which passes the credential"});
      return types_.error();
    }
  }
  auto& d = error(DiagCode::UnknownField, e.field.range, fmt::format("`{}` has no field `{}`", type_name(obj), name));
  std::vector<std::string> fields;
  if (obj->kind == TypeKind::Record)
    for (const Field& f : obj->fields) fields.push_back(f.name);
  else if (obj->kind == TypeKind::Credential)
    fields = {"username", "domain", "credential_type"};
  suggest_name(d, e.field.range, name, fields);
  return types_.error();
}

const Type* Checker::check_index(IndexExpr& e) {
  const Type* obj = check_expr(e.object.get());
  const Type* index = check_value(e.index.get(), nullptr, "used as an index");
  if (obj->is_error()) return types_.error();
  auto want = [&](const Type* expected) {
    if (!assignable(index, expected)) {
      if (!report_optional(e.index.get(), index, "used as an index")) mismatch(e.index->range, expected, index, "an index");
    }
  };
  switch (obj->kind) {
    case TypeKind::List: want(types_.int_type()); return obj->element;
    case TypeKind::Map: want(types_.string_type()); return obj->element;
    case TypeKind::String: want(types_.int_type()); return types_.string_type();
    case TypeKind::Json:
      if (!index->is_error() && index->kind != TypeKind::Int && index->kind != TypeKind::String)
        mismatch(e.index->range, types_.string_type(), index, "a JSON index (a key or a position)");
      return types_.json();
    case TypeKind::Optional:
      report_optional(e.object.get(), obj, "indexed");
      return types_.error();
    default:
      error(DiagCode::NotCallable, e.object->range, fmt::format("a value of type `{}` cannot be indexed", type_name(obj)));
      return types_.error();
  }
}

const Type* Checker::check_unary(UnaryExpr& e) {
  const Type* t = check_value(e.operand.get(), nullptr, e.op == UnaryOp::Not ? "negated" : "used in arithmetic");
  if (t->is_error()) return t;
  if (report_optional(e.operand.get(), t, "used with an operator")) return types_.error();
  if (e.op == UnaryOp::Not) {
    if (t->kind != TypeKind::Bool) mismatch(e.operand->range, types_.bool_type(), t, "`not`");
    return types_.bool_type();
  }
  if (t->kind != TypeKind::Int && t->kind != TypeKind::Float && t->kind != TypeKind::Duration) {
    error(DiagCode::TypeMismatch, e.operand->range, fmt::format("cannot negate a `{}`", type_name(t)));
    return types_.error();
  }
  return t;
}

const Type* Checker::check_binary(BinaryExpr& e) {
  const BinaryOp op = e.op;
  const bool logic = op == BinaryOp::And || op == BinaryOp::Or;
  const bool equality = op == BinaryOp::Eq || op == BinaryOp::Ne;
  const bool ordering = op == BinaryOp::Lt || op == BinaryOp::Le || op == BinaryOp::Gt || op == BinaryOp::Ge;
  const char* use = logic ? "used in a condition" : (equality || ordering) ? "compared" : op == BinaryOp::Add ? "concatenated" : "used in arithmetic";
  const Type* l = check_value(e.lhs.get(), nullptr, use);
  const Type* r;
  if (logic && !scopes_.empty()) {
    // Narrowing from the left side holds while the right side is checked: `x != none and x > 1`.
    push_scope();
    narrow(e.lhs.get(), op == BinaryOp::And);
    r = check_value(e.rhs.get(), nullptr, use);
    pop_scope();
  } else {
    r = check_value(e.rhs.get(), nullptr, use);
  }
  if (logic) {
    for (auto [side, t] : {std::pair{e.lhs.get(), l}, std::pair{e.rhs.get(), r}}) {
      if (t->is_error() || t->kind == TypeKind::Bool) continue;
      if (!report_optional(side, t, "used as a condition")) mismatch(side->range, types_.bool_type(), t, fmt::format("`{}`", binary_op_text(op)).c_str());
    }
    return types_.bool_type();
  }
  if (l->is_error() || r->is_error()) return equality || ordering ? types_.bool_type() : types_.error();
  if (equality) {
    if (l->kind == TypeKind::None || r->kind == TypeKind::None) {
      const Type* other = l->kind == TypeKind::None ? r : l;
      if (other->kind != TypeKind::Optional && other->kind != TypeKind::None && other->kind != TypeKind::Json)
        error(DiagCode::TypeMismatch, e.range, fmt::format("a `{}` is never `none`", type_name(other)));
      return types_.bool_type();
    }
    if (!assignable(l, r) && !assignable(r, l))
      error(DiagCode::TypeMismatch, e.op_range, fmt::format("cannot compare `{}` with `{}`", type_name(l), type_name(r)));
    return types_.bool_type();
  }
  const std::string op_text = fmt::format("`{}`", binary_op_text(op));
  if (report_optional(e.lhs.get(), l, "used with an operator") | report_optional(e.rhs.get(), r, "used with an operator"))
    return ordering ? types_.bool_type() : types_.error();
  auto is = [](const Type* t, TypeKind k) { return t->kind == k; };
  if (ordering) {
    const bool ordered = is(l, TypeKind::Int) || is(l, TypeKind::Float) || is(l, TypeKind::String) ||
                         is(l, TypeKind::Duration) || is(l, TypeKind::Time);
    if (!ordered || l != r)
      error(DiagCode::TypeMismatch, e.op_range,
            fmt::format("cannot order `{}` and `{}` with {}", type_name(l), type_name(r), op_text));
    return types_.bool_type();
  }
  // Arithmetic: no implicit conversions; durations and times have their own rules (SPEC §1.3).
  const Type* out = nullptr;
  switch (op) {
    case BinaryOp::Add:
      if (l == r && (is(l, TypeKind::Int) || is(l, TypeKind::Float) || is(l, TypeKind::String) || is(l, TypeKind::Duration))) out = l;
      else if (is(l, TypeKind::List) && is(r, TypeKind::List)) {
        if (assignable(r, l)) out = l;
        else if (assignable(l, r)) out = r;
      } else if (is(l, TypeKind::Time) && is(r, TypeKind::Duration)) out = l;
      else if (is(l, TypeKind::Duration) && is(r, TypeKind::Time)) out = r;
      break;
    case BinaryOp::Sub:
      if (l == r && (is(l, TypeKind::Int) || is(l, TypeKind::Float) || is(l, TypeKind::Duration))) out = l;
      else if (is(l, TypeKind::Time) && is(r, TypeKind::Duration)) out = l;
      else if (is(l, TypeKind::Time) && is(r, TypeKind::Time)) out = types_.duration();
      break;
    case BinaryOp::Mul:
      if (l == r && (is(l, TypeKind::Int) || is(l, TypeKind::Float))) out = l;
      else if (is(l, TypeKind::Duration) && is(r, TypeKind::Int)) out = l;
      else if (is(l, TypeKind::Int) && is(r, TypeKind::Duration)) out = r;
      break;
    case BinaryOp::Div:
      if (l == r && (is(l, TypeKind::Int) || is(l, TypeKind::Float))) out = l;
      else if (is(l, TypeKind::Duration) && is(r, TypeKind::Int)) out = l;
      break;
    case BinaryOp::Mod:
      if (l == r && is(l, TypeKind::Int)) out = l;
      break;
    default:
      break;
  }
  if (!out) {
    auto& d = error(DiagCode::TypeMismatch, e.op_range,
                    fmt::format("{} cannot combine `{}` and `{}`", op_text, type_name(l), type_name(r)));
    if ((is(l, TypeKind::Int) && is(r, TypeKind::Float)) || (is(l, TypeKind::Float) && is(r, TypeKind::Int))) {
      d.notes.push_back({Location{file_, e.op_range}, "there are no implicit conversions: write `float(...)` or `int(...)`"});
      suggest_float(d, is(l, TypeKind::Int) ? e.lhs->range : e.rhs->range);
    }
    if (is(l, TypeKind::String) != is(r, TypeKind::String))
      d.notes.push_back({Location{file_, e.op_range}, "to build text from other values, interpolate: \"{{ x }}\""});
    return types_.error();
  }
  return out;
}

const Type* Checker::check_string(StringExpr& e) {
  for (StringPart& p : e.parts) {
    if (!p.expr) continue;
    const Type* t = check_value(p.expr.get(), nullptr, "interpolated");
    if (t->kind == TypeKind::Void)
      error(DiagCode::TypeMismatch, p.expr->range, "this expression gives no value to interpolate");
  }
  return types_.string_type();
}

namespace {
// The common type of two list elements or map values, or null when they have none.
const Type* join(TypeContext& types, const Type* a, const Type* b) {
  if (assignable(b, a)) return a;
  if (assignable(a, b)) return b;
  if (a->kind == TypeKind::None) return types.optional(b);
  if (b->kind == TypeKind::None) return types.optional(a);
  return nullptr;
}
}  // namespace

const Type* Checker::check_list(ListExpr& e, const Type* expected) {
  const Type* want = expected && expected->kind == TypeKind::List ? expected->element : nullptr;
  UseGuard guard(use_, "stored in a list");
  const Type* element = want ? want : types_.never();
  for (auto& item : e.items) {
    const Type* t = check_expr(item.get(), want);
    if (want) {
      if (!assignable(t, want)) {
        if (!(t->kind == TypeKind::Optional && assignable(t->element, want) && report_optional(item.get(), t, "stored here")))
          mismatch(item->range, want, t, "a list element");
      }
      continue;
    }
    const Type* joined = join(types_, element, t);
    if (!joined) {
      error(DiagCode::TypeMismatch, item->range,
            fmt::format("list elements must have one type: this one is `{}`, the earlier ones `{}`", type_name(t),
                        type_name(element)));
      continue;
    }
    element = joined;
  }
  return types_.list(element);
}

const Type* Checker::check_record(RecordExpr& e, const Type* expected) {
  if (expected && expected->kind == TypeKind::Optional) expected = expected->element;
  UseGuard guard(use_, "stored in a record");
  if (e.fields.empty() && expected && expected->kind == TypeKind::Map) return expected;
  if (e.fields.empty() && (!expected || expected->kind != TypeKind::Record)) return types_.map(types_.never());
  if (expected && expected->kind == TypeKind::Map) return check_record_as_map(e, expected);
  std::vector<Field> fields;
  const bool against = expected && expected->kind == TypeKind::Record;
  for (RecordEntry& f : e.fields) {
    const Field* want = against ? expected->field(f.name.text) : nullptr;
    const Type* t = check_expr(f.value.get(), want ? want->type : nullptr);
    bool dup = false;
    for (const Field& g : fields) dup |= g.name == f.name.text;
    if (dup) {
      error(DiagCode::DuplicateDeclaration, f.name.range, fmt::format("field `{}` is given twice", f.name.text));
      continue;
    }
    if (against && !want) {
      auto& d = error(DiagCode::UnknownField, f.name.range, fmt::format("`{}` has no field `{}`", type_name(expected), f.name.text));
      std::vector<std::string> names;
      for (const Field& g : expected->fields) names.push_back(g.name);
      suggest_name(d, f.name.range, f.name.text, names);
      continue;
    }
    if (want && !assignable(t, want->type)) {
      mismatch(f.value->range, want->type, t, fmt::format("field `{}`", f.name.text).c_str());
      t = want->type;
    }
    fields.push_back({f.name.text, want ? want->type : t});
  }
  if (!against) return types_.record(std::move(fields));
  // Fields of optional type may be left out; every other field must be given.
  std::vector<std::string> missing;
  for (const Field& f : expected->fields) {
    bool given = false;
    for (const RecordEntry& r : e.fields) given |= r.name.text == f.name;
    if (!given && f.type->kind != TypeKind::Optional) missing.push_back("`" + f.name + "`");
  }
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size(); ++i) list += (i ? ", " : "") + missing[i];
    error(DiagCode::TypeMismatch, e.range, fmt::format("missing field{} {} of `{}`", missing.size() > 1 ? "s" : "", list,
                                                       type_name(expected)));
  }
  return expected;
}

// `{env: "prod"}` where a `map<string>` is expected is that map: its field names are the keys
// (the lowering builds a map when the literal's type is one).
const Type* Checker::check_record_as_map(RecordExpr& e, const Type* expected) {
  UseGuard guard(use_, "stored in a map");
  std::vector<std::string> keys;
  for (RecordEntry& f : e.fields) {
    if (std::find(keys.begin(), keys.end(), f.name.text) != keys.end())
      error(DiagCode::DuplicateDeclaration, f.name.range, fmt::format("key `{}` is given twice", f.name.text));
    keys.push_back(f.name.text);
    const Type* t = check_expr(f.value.get(), expected->element);
    if (f.value && !assignable(t, expected->element)) {
      if (!(t->kind == TypeKind::Optional && assignable(t->element, expected->element) && report_optional(f.value.get(), t, "stored here")))
        mismatch(f.value->range, expected->element, t, "a map value");
    }
  }
  return expected;
}

const Type* Checker::check_map(MapExpr& e, const Type* expected) {
  const Type* want = expected && expected->kind == TypeKind::Map ? expected->element : nullptr;
  UseGuard guard(use_, "stored in a map");
  const Type* value = want ? want : types_.never();
  std::vector<std::string> keys;
  for (MapEntry& m : e.entries) {
    if (std::find(keys.begin(), keys.end(), m.key) != keys.end())
      error(DiagCode::DuplicateDeclaration, m.key_range, fmt::format("key \"{}\" is given twice", m.key));
    keys.push_back(m.key);
    const Type* t = check_expr(m.value.get(), want);
    if (want) {
      if (!assignable(t, want)) mismatch(m.value->range, want, t, "a map value");
      continue;
    }
    const Type* joined = join(types_, value, t);
    if (!joined) {
      error(DiagCode::TypeMismatch, m.value->range,
            fmt::format("map values must have one type: this one is `{}`, the earlier ones `{}`", type_name(t), type_name(value)));
      continue;
    }
    value = joined;
  }
  return types_.map(value);
}

}  // namespace wf

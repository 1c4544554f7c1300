// Lowering of expressions: literals, names, records, lists, maps, strings, operators (typed by
// the checker, so each picks its instruction statically) and calls.
#include <fmt/format.h>

#include "lower/lowerer.h"
#include "stdlib/builtin_records.h"
#include "stdlib/builtins.h"

namespace wf {

using bytecode::Constant;
using bytecode::ConstKind;
using bytecode::Op;

namespace {
// Instructions that take a count in an 8-bit operand build long literals in chunks of this size.
constexpr int kChunk = 200;

const Type* type_of(const Expr* e) { return e ? e->type : nullptr; }
bool has_kind(const Expr* e, TypeKind k) { return e && e->type && e->type->kind == k; }

// A JSON value read through members or indexes (`r.json.ip`, `j["a"][0]`): what a conversion of
// it names when the value turns out to be null.
bool is_json_path(const Expr* e) {
  if (!e || !has_kind(e, TypeKind::Json)) return false;
  if (e->kind == ExprKind::Field) return has_kind(static_cast<const FieldExpr*>(e)->object.get(), TypeKind::Json);
  if (e->kind == ExprKind::Index) return has_kind(static_cast<const IndexExpr*>(e)->object.get(), TypeKind::Json);
  return false;
}

// Parameter names of a builtin overload, read from its signature: "(s: string, sep: string) -> ...".
std::vector<std::string> builtin_param_names(std::string_view sig) {
  std::vector<std::string> names;
  size_t i = sig.find('(') + 1;
  int depth = 0;
  std::string current;
  bool in_name = true;
  for (; i < sig.size(); ++i) {
    const char c = sig[i];
    if (depth == 0 && c == ')') break;
    if (c == '<' || c == '{') ++depth;
    if (c == '>' || c == '}') --depth;
    if (depth == 0 && c == ',') {
      in_name = true;
      continue;
    }
    if (in_name) {
      if (c == ':') {
        names.push_back(current);
        current.clear();
        in_name = false;
      } else if (c != ' ') {
        current.push_back(c);
      }
    }
  }
  return names;
}
}  // namespace

int Lowerer::reg_of(const Binding* b) const {
  if (!b) return -1;
  const Binding* root = b->narrows ? b->narrows : b;
  auto it = fn_.regs.find(root);
  if (it != fn_.regs.end()) return it->second;
  if (root->kind == BindingKind::Param) return root->param_index;
  return -1;
}

void Lowerer::load_int(int dst, int64_t v) {
  if (v >= bytecode::kLoadIMin && v <= bytecode::kLoadIMax) {
    fb().emit(bytecode::encode_asbx(Op::LOADI, static_cast<uint8_t>(dst), static_cast<int16_t>(v)));
    return;
  }
  Constant k;
  k.kind = ConstKind::Int;
  k.i = v;
  fb().emit_abx(Op::LOADK, dst, constant(k));
}

void Lowerer::load_string(int dst, const std::string& s) { fb().emit_abx(Op::LOADK, dst, string_constant(s)); }

int Lowerer::expr_any(const Expr* e) {
  if (e && e->kind == ExprKind::Name) {
    const int r = reg_of(static_cast<const NameExpr*>(e)->binding);
    if (r >= 0) return r;
  }
  const int r = fb().alloc();
  expr_to(e, r);
  return r;
}

void Lowerer::expr_to(const Expr* e, int dst) {
  if (!e) {
    load_none(dst);
    return;
  }
  const int mark = fb().top();
  switch (e->kind) {
    case ExprKind::Error:
    case ExprKind::None: load_none(dst); break;
    case ExprKind::Int: load_int(dst, static_cast<const IntExpr*>(e)->value); break;
    case ExprKind::Bool: fb().emit_abc(Op::LOADBOOL, dst, static_cast<const BoolExpr*>(e)->value ? 1 : 0, 0); break;
    case ExprKind::Float:
    case ExprKind::Percent: {
      Constant k;
      k.kind = ConstKind::Float;
      k.f = e->kind == ExprKind::Float ? static_cast<const FloatExpr*>(e)->value : static_cast<const PercentExpr*>(e)->value;
      fb().emit_abx(Op::LOADK, dst, constant(k));
      break;
    }
    case ExprKind::Duration: {
      Constant k;
      k.kind = ConstKind::Duration;
      k.i = static_cast<const DurationExpr*>(e)->millis;
      fb().emit_abx(Op::LOADK, dst, constant(k));
      break;
    }
    case ExprKind::String: string_to(*static_cast<const StringExpr*>(e), dst, false); break;
    case ExprKind::Name: {
      const Binding* b = static_cast<const NameExpr*>(e)->binding;
      const int r = reg_of(b);
      if (r >= 0) {
        if (r != dst) fb().emit_abc(Op::MOVE, dst, r, 0);
      } else if (b && b->kind == BindingKind::Const) {
        fb().emit_abx(Op::GETGLOBAL, dst, global_of(static_cast<const ConstDecl*>(b->decl)));
      } else {
        load_none(dst);
      }
      break;
    }
    case ExprKind::List: {
      const auto& items = static_cast<const ListExpr*>(e)->items;
      // Long literals are built in chunks joined with LCONCAT.
      bool first = true;
      for (size_t start = 0; start < items.size() || first; start += kChunk) {
        const int n = static_cast<int>(std::min<size_t>(kChunk, items.size() - std::min(start, items.size())));
        const int base = fb().alloc_block(n);
        for (int i = 0; i < n; ++i) expr_to(items[start + i].get(), base + i);
        if (first) {
          fb().emit_abc(Op::NEWLIST, dst, base, n);
        } else {
          fb().emit_abc(Op::NEWLIST, base, base, n);
          fb().emit_abc(Op::LCONCAT, dst, dst, base);
        }
        fb().release_to(mark);
        first = false;
      }
      break;
    }
    case ExprKind::Record: record_to(*static_cast<const RecordExpr*>(e), e->type, dst); break;
    case ExprKind::Map: {
      const auto& entries = static_cast<const MapExpr*>(e)->entries;
      if (entries.size() > kChunk / 2) {
        report_limits("a map literal has more than 100 entries; build it with `with(...)`", e->range);
        break;
      }
      const int base = fb().alloc_block(static_cast<int>(entries.size() * 2));
      for (size_t i = 0; i < entries.size(); ++i) {
        load_string(base + 2 * static_cast<int>(i), entries[i].key);
        expr_to(entries[i].value.get(), base + 2 * static_cast<int>(i) + 1);
      }
      fb().emit_abc(Op::NEWMAP, dst, base, static_cast<int>(entries.size()));
      break;
    }
    case ExprKind::Field: {
      const auto* f = static_cast<const FieldExpr*>(e);
      const Type* t = type_of(f->object.get());
      if (t && t->kind == TypeKind::Json) {
        // `j.name` is `j["name"]`, except that a missing member is JSON null rather than an error.
        const int obj = expr_any(f->object.get());
        const int key = fb().alloc();
        load_string(key, f->field.text);
        fb().emit_abc(Op::MEMBER, dst, obj, key);
        break;
      }
      int index = 0;
      if (t && t->kind == TypeKind::Record) {
        for (size_t i = 0; i < t->fields.size(); ++i)
          if (t->fields[i].name == f->field.text) index = static_cast<int>(i);
      } else if (t && t->kind == TypeKind::Credential) {
        index = stdlib::field_index(*stdlib::builtin_record("credential"), f->field.text);
      }
      const int obj = expr_any(f->object.get());
      fb().emit_abc(Op::GETFIELD, dst, obj, index);
      break;
    }
    case ExprKind::Index: {
      const auto* i = static_cast<const IndexExpr*>(e);
      const int obj = expr_any(i->object.get());
      const int index = expr_any(i->index.get());
      fb().emit_abc(Op::INDEX, dst, obj, index);
      break;
    }
    case ExprKind::Call: call_to(*static_cast<const CallExpr*>(e), dst); break;
    case ExprKind::Unary: {
      const auto* u = static_cast<const UnaryExpr*>(e);
      const int r = expr_any(u->operand.get());
      Op op = Op::NOT;
      if (u->op == UnaryOp::Neg)
        op = has_kind(u->operand.get(), TypeKind::Float) ? Op::NEGF
             : has_kind(u->operand.get(), TypeKind::Duration) ? Op::NEGD
                                                             : Op::NEGI;
      fb().emit_abc(op, dst, r, 0);
      break;
    }
    case ExprKind::Binary: binary_to(*static_cast<const BinaryExpr*>(e), dst); break;
    case ExprKind::Run: run_to(*static_cast<const RunExpr*>(e), dst); break;
    case ExprKind::Approve: approve_to(*static_cast<const ApproveExpr*>(e), dst, false); break;
    case ExprKind::WaitEvent: wait_to(*static_cast<const WaitEventExpr*>(e), dst); break;
  }
  fb().release_to(mark);
}

// `"a {{x}} b"`: each piece in a register (interpolations rendered with TOSTR), then CONCATN.
// With `shell_parts` the pieces become a list instead — literal text at even positions, rendered
// values at odd ones — so the effect layer can shell-quote the values (SPEC §1.6).
void Lowerer::string_to(const StringExpr& s, int dst, bool shell_parts) {
  if (s.is_plain() && !shell_parts) {
    load_string(dst, s.plain_text());
    return;
  }
  std::vector<const StringPart*> pieces;
  std::vector<bool> literal;
  for (const StringPart& p : s.parts) {
    const bool is_text = !p.expr;
    if (shell_parts && (literal.empty() ? !is_text : literal.back() == is_text)) {
      pieces.push_back(nullptr);  // keep the alternation: text, value, text, ...
      literal.push_back(!is_text);
    }
    pieces.push_back(&p);
    literal.push_back(is_text);
  }
  if (pieces.size() > kChunk) {
    report_limits("this string has too many interpolations", s.range);
    return;
  }
  const int mark = fb().top();
  const int n = static_cast<int>(pieces.size());
  const int base = fb().alloc_block(n);
  for (int i = 0; i < n; ++i) {
    if (!pieces[i]) load_string(base + i, "");
    else if (!pieces[i]->expr) load_string(base + i, pieces[i]->text);
    else {
      const int inner = fb().top();
      const int r = expr_any(pieces[i]->expr.get());
      fb().emit_abc(Op::TOSTR, base + i, r, 0);
      fb().release_to(inner);
    }
  }
  fb().emit_abc(shell_parts ? Op::NEWLIST : Op::CONCATN, dst, base, n);
  fb().release_to(mark);
}

// A record is built in its type's layout: each field's value is computed in source order into
// the slot of that field, and fields the literal leaves out (optional ones) are none.
void Lowerer::record_to(const RecordExpr& e, const Type* type, int dst) {
  if (type && type->kind == TypeKind::Optional) type = type->element;
  if (type && type->kind == TypeKind::Map && !e.fields.empty()) {
    // A record literal where a map was expected: the field names are the keys, in source order.
    if (e.fields.size() > kChunk / 2) {
      report_limits("a map literal has more than 100 entries; build it with `with(...)`", e.range);
      return;
    }
    const int mark = fb().top();
    const int base = fb().alloc_block(static_cast<int>(e.fields.size() * 2));
    for (size_t i = 0; i < e.fields.size(); ++i) {
      load_string(base + 2 * static_cast<int>(i), e.fields[i].name.text);
      expr_to(e.fields[i].value.get(), base + 2 * static_cast<int>(i) + 1);
    }
    fb().emit_abc(Op::NEWMAP, dst, base, static_cast<int>(e.fields.size()));
    fb().release_to(mark);
    return;
  }
  if (!type || type->kind != TypeKind::Record) {
    const int mark = fb().top();
    fb().emit_abc(Op::NEWMAP, dst, fb().alloc_block(0), 0);  // `{}` as an empty map
    fb().release_to(mark);
    return;
  }
  std::vector<std::string> names;
  for (const Field& f : type->fields) names.push_back(f.name);
  const int mark = fb().top();
  const int base = fb().alloc_block(static_cast<int>(names.size()));
  std::vector<bool> given(names.size(), false);
  for (const RecordEntry& entry : e.fields)
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == entry.name.text) {
        expr_to(entry.value.get(), base + static_cast<int>(i));
        given[i] = true;
      }
  for (size_t i = 0; i < names.size(); ++i)
    if (!given[i]) load_none(base + static_cast<int>(i));
  fb().emit_abc(Op::NEWREC, dst, base, 0);
  fb().emit_extra(static_cast<uint32_t>(shape(names)));
  fb().release_to(mark);
}

void Lowerer::binary_to(const BinaryExpr& e, int dst) {
  const Expr* l = e.lhs.get();
  const Expr* r = e.rhs.get();
  if (e.op == BinaryOp::And || e.op == BinaryOp::Or) {
    // The result register may be read by the right side (`b = c and b`), so work in a temporary.
    const int mark = fb().top();
    const int t = fb().alloc();
    expr_to(l, t);
    const size_t skip = fb().emit_jump(e.op == BinaryOp::And ? Op::JMPIFNOT : Op::JMPIF, t);
    expr_to(r, t);
    fb().patch(skip);
    fb().emit_abc(Op::MOVE, dst, t, 0);
    fb().release_to(mark);
    return;
  }
  // `x + 1`: an int with a small constant.
  if ((e.op == BinaryOp::Add || e.op == BinaryOp::Sub) && has_kind(l, TypeKind::Int) && r && r->kind == ExprKind::Int) {
    int64_t k = static_cast<const IntExpr*>(r)->value;
    if (e.op == BinaryOp::Sub) k = -k;
    if (k >= bytecode::kAddKMin && k <= bytecode::kAddKMax) {
      const int a = expr_any(l);
      fb().emit_abc(Op::ADDIK, dst, a, static_cast<int>(k + 128));
      return;
    }
  }
  // `x % 7`, `x * 2`: an int with a small constant.
  if ((e.op == BinaryOp::Mod || e.op == BinaryOp::Mul) && has_kind(l, TypeKind::Int) && has_kind(r, TypeKind::Int) &&
      r->kind == ExprKind::Int) {
    const int64_t k = static_cast<const IntExpr*>(r)->value;
    if (k >= bytecode::kAddKMin && k <= bytecode::kAddKMax && k != 0) {
      const int a = expr_any(l);
      fb().emit_abc(e.op == BinaryOp::Mod ? Op::MODIK : Op::MULIK, dst, a, static_cast<int>(k + 128));
      return;
    }
  }
  int a = expr_any(l);
  int b = expr_any(r);
  const TypeKind lk = l && l->type ? l->type->kind : TypeKind::Error;
  const TypeKind rk = r && r->type ? r->type->kind : TypeKind::Error;
  Op op = Op::EQ;
  switch (e.op) {
    case BinaryOp::Eq: op = Op::EQ; break;
    case BinaryOp::Ne: op = Op::NE; break;
    case BinaryOp::Lt: op = Op::LT; break;
    case BinaryOp::Le: op = Op::LE; break;
    case BinaryOp::Gt: op = Op::LT; std::swap(a, b); break;
    case BinaryOp::Ge: op = Op::LE; std::swap(a, b); break;
    case BinaryOp::Add:
      if (lk == TypeKind::Int) op = Op::ADDI;
      else if (lk == TypeKind::Float) op = Op::ADDF;
      else if (lk == TypeKind::String) op = Op::CONCAT;
      else if (lk == TypeKind::List) op = Op::LCONCAT;
      else {
        op = Op::ADDD;
        if (lk == TypeKind::Duration && rk == TypeKind::Time) std::swap(a, b);  // time first
      }
      break;
    case BinaryOp::Sub:
      op = lk == TypeKind::Int ? Op::SUBI
           : lk == TypeKind::Float ? Op::SUBF
           : (lk == TypeKind::Time && rk == TypeKind::Time) ? Op::SUBT
                                                            : Op::SUBD;
      break;
    case BinaryOp::Mul:
      if (lk == TypeKind::Int && rk == TypeKind::Int) op = Op::MULI;
      else if (lk == TypeKind::Float) op = Op::MULF;
      else {
        op = Op::MULDI;
        if (lk == TypeKind::Int) std::swap(a, b);  // duration first
      }
      break;
    case BinaryOp::Div:
      op = lk == TypeKind::Int ? Op::DIVI : lk == TypeKind::Float ? Op::DIVF : Op::DIVDI;
      break;
    case BinaryOp::Mod: op = Op::MODI; break;
    default: break;
  }
  fb().emit_abc(op, dst, a, b);
}

void Lowerer::call_to(const CallExpr& e, int dst) {
  if (e.target == CallTarget::Workflow) {
    child_to(e, dst);
    return;
  }
  const Expr* receiver = nullptr;
  if (e.callee && e.callee->kind == ExprKind::Field && e.target == CallTarget::Method)
    receiver = static_cast<const FieldExpr*>(e.callee.get())->object.get();

  // Put every argument in its parameter's slot; absent ones take their default.
  std::vector<std::string> names;
  const std::vector<Param>* decl_params = nullptr;
  const bool builtin = e.overload >= 0;
  if (builtin) {
    names = builtin_param_names(stdlib::builtins()[e.overload].signature);
  } else if (auto* fn = static_cast<const FnDecl*>(e.callee_decl)) {
    decl_params = &fn->params;
    for (const Param& p : fn->params) names.push_back(p.name.text);
  }
  std::vector<const Expr*> slots(names.size(), nullptr);
  size_t next = 0;
  if (receiver && !slots.empty()) slots[next++] = receiver;
  for (const Arg& a : e.args) {
    if (a.name.empty()) {
      if (next < slots.size()) slots[next++] = a.value.get();
      continue;
    }
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == a.name.text) slots[i] = a.value.get();
  }
  if (decl_params)
    for (size_t i = 0; i < slots.size(); ++i)
      if (!slots[i]) slots[i] = (*decl_params)[i].default_value.get();

  const int mark = fb().top();
  const int n = static_cast<int>(slots.size());
  // A called function's registers start at its window, so a call without arguments still takes a
  // fresh register for it: a window at R0 would overwrite the caller's variables.
  const int base = fb().alloc_block(builtin ? n : std::max(n, 1));
  for (int i = 0; i < n; ++i) expr_to(slots[i], base + i);
  if (builtin && n == 1 && is_json_path(slots[0]) && stdlib::builtins()[e.overload].signature.starts_with("(j: json)")) {
    // Converting a JSON member that is missing (or null) names the member, not just "null".
    const std::string_view name = stdlib::builtins()[e.overload].name;
    const std::string path(c_.file(fn_.file).slice(slots[0]->range));
    fb().emit_abx(Op::NOTNULL, base, string_constant(fmt::format("{}: `{}` is JSON null (a missing member reads as null)", name, path)));
  }
  if (builtin) {
    fb().emit_abc(Op::CALLB, dst, base, n);
    fb().emit_extra(static_cast<uint32_t>(this->builtin(static_cast<size_t>(e.overload))));
  } else {
    fb().emit_abc(Op::CALL, dst, base, n);
    fb().emit_extra(static_cast<uint32_t>(function_of(static_cast<const Decl*>(e.callee_decl))));
  }
  fb().release_to(mark);
}

}  // namespace wf

// Finding the occurrence at an offset (see locate.h). Names are checked before expressions: a
// name is a more precise answer than the expression around it.
#include "analysis/locate.h"

#include "check/types.h"
#include "syntax/ast_walk.h"

namespace wf::analysis {

namespace {

bool within(SourceRange r, uint32_t offset) { return r.begin <= offset && offset < r.end; }

class Locator {
 public:
  Locator(const Snapshot& s, uint32_t offset) : s_(s), offset_(offset) {}

  // The precise hit at the offset, if any, else the innermost expression there.
  struct Found {
    std::optional<Occurrence> name;
    const Expr* innermost = nullptr;
  };
  Found find() {
    for (const auto& decl : s_.module().decls) {
      if (!within(decl->range, offset_) && !within(decl->name.range, offset_)) continue;
      visit_decl(*decl);
      break;
    }
    if (hit_ && !hit_->expr) hit_->expr = innermost_;
    return {hit_, innermost_};
  }

 private:
  // The first precise hit wins: the walk goes from the outside in, and names do not nest.
  Occurrence* name_at(SourceRange range) {
    if (hit_ || !within(range, offset_)) return nullptr;
    hit_.emplace();
    hit_->range = range;
    return &*hit_;
  }

  void visit_type(const TypeExpr* t) {
    if (!t || !within(t->range, offset_)) return;
    switch (t->kind) {
      case TypeExprKind::Named: {
        const auto& named = static_cast<const NamedTypeExpr&>(*t);
        if (Occurrence* o = name_at(named.name.range)) o->decl = s_.type_decl(named.name.text);
        for (const auto& arg : named.args) visit_type(arg.get());
        break;
      }
      case TypeExprKind::Record:
        for (const FieldTypeExpr& f : static_cast<const RecordTypeExpr&>(*t).fields) visit_type(f.type.get());
        break;
      case TypeExprKind::Optional: visit_type(static_cast<const OptionalTypeExpr&>(*t).inner.get()); break;
    }
  }

  void visit_params(const Decl& owner, const std::vector<Param>& params) {
    for (const Param& p : params) {
      if (Occurrence* o = name_at(p.name.range)) {
        o->param = &p;
        o->param_owner = &owner;
        o->binding = s_.param_binding(p.name.range);
      }
      visit_type(p.type.get());
    }
  }

  void visit_decl(const Decl& decl) {
    if (Occurrence* o = name_at(decl.name.range)) o->decl = &decl;
    switch (decl.kind) {
      case DeclKind::Import: {
        const auto& imp = static_cast<const ImportDecl&>(decl);
        if (Occurrence* o = name_at(imp.path_range)) o->import = &imp;
        break;
      }
      case DeclKind::Const: visit_type(static_cast<const ConstDecl&>(decl).declared.get()); break;
      case DeclKind::Type: visit_type(static_cast<const TypeDecl&>(decl).aliased.get()); break;
      case DeclKind::Fn: {
        const auto& f = static_cast<const FnDecl&>(decl);
        visit_params(decl, f.params);
        visit_type(f.result.get());
        break;
      }
      case DeclKind::Workflow: {
        const auto& w = static_cast<const WorkflowDecl&>(decl);
        visit_params(decl, w.params);
        visit_type(w.result.get());
        break;
      }
      case DeclKind::Script: visit_params(decl, static_cast<const ScriptDecl&>(decl).params); break;
      case DeclKind::Library: break;
    }
    AstVisitor v;
    v.on_stmt = [this](Stmt& s) { visit_stmt(s); };
    v.on_expr = [this](Expr& e) { visit_expr(e); };
    walk(mutable_decl(decl), v);
  }

  void visit_stmt(const Stmt& s) {
    if (!within(s.range, offset_)) return;
    switch (s.kind) {
      case StmtKind::Let: {
        const auto& l = static_cast<const LetStmt&>(s);
        if (Occurrence* o = name_at(l.name.range)) o->binding = l.binding;
        visit_type(l.declared.get());
        break;
      }
      case StmtKind::Assign: {
        const auto& a = static_cast<const AssignStmt&>(s);
        if (Occurrence* o = name_at(a.name.range)) o->binding = a.binding;
        break;
      }
      case StmtKind::For: {
        const auto& f = static_cast<const ForStmt&>(s);
        if (Occurrence* o = name_at(f.var.range)) o->binding = f.var_binding;
        break;
      }
      case StmtKind::ParallelFor: {
        const auto& p = static_cast<const ParallelForStmt&>(s);
        if (Occurrence* o = name_at(p.var.range)) o->binding = p.var_binding;
        break;
      }
      case StmtKind::Checkout: {
        const auto& c = static_cast<const CheckoutStmt&>(s);
        if (Occurrence* o = name_at(c.var.range)) o->binding = c.var_binding;
        break;
      }
      case StmtKind::Try: {
        const auto& t = static_cast<const TryStmt&>(s);
        if (Occurrence* o = name_at(t.catch_var.range)) o->binding = t.catch_binding;
        break;
      }
      default: break;
    }
  }

  void visit_expr(const Expr& e) {
    if (!within(e.range, offset_)) return;
    if (!innermost_ || (e.range.end - e.range.begin) <= (innermost_->range.end - innermost_->range.begin))
      innermost_ = &e;
    switch (e.kind) {
      case ExprKind::Name: {
        const auto& n = static_cast<const NameExpr&>(e);
        if (Occurrence* o = name_at(n.name.range)) o->binding = n.binding;
        break;
      }
      case ExprKind::Call: visit_callee(static_cast<const CallExpr&>(e)); break;
      case ExprKind::Field: {
        const auto& f = static_cast<const FieldExpr&>(e);
        if (Occurrence* o = name_at(f.field.range)) {
          o->field = f.field.text;
          o->field_type = f.type;
          o->expr = &e;
        }
        break;
      }
      case ExprKind::Record: {
        const auto& r = static_cast<const RecordExpr&>(e);
        for (const RecordEntry& entry : r.fields)
          if (Occurrence* o = name_at(entry.name.range)) {
            o->field = entry.name.text;
            const Field* f = r.type && r.type->kind == TypeKind::Record ? r.type->field(entry.name.text) : nullptr;
            o->field_type = f ? f->type : (entry.value ? entry.value->type : nullptr);
          }
        break;
      }
      case ExprKind::Run: {
        const auto& r = static_cast<const RunExpr&>(e);
        if (Occurrence* o = name_at(r.script.range)) o->decl = r.script_decl;
        if (Occurrence* o = name_at(r.kind_name.range)) o->job_kind = r.kind_name.text;
        break;
      }
      default: break;
    }
  }

  // A call's callee names what was called: a builtin (which no binding stands for), a fn or a
  // workflow, maybe in method form (`xs.contains(x)`).
  void visit_callee(const CallExpr& c) {
    const Expr* callee = c.callee.get();
    if (!callee) return;
    const Ident* name = nullptr;
    if (callee->kind == ExprKind::Name) name = &static_cast<const NameExpr&>(*callee).name;
    if (callee->kind == ExprKind::Field) name = &static_cast<const FieldExpr&>(*callee).field;
    if (!name) return;
    if (c.target == CallTarget::Builtin || (c.target == CallTarget::Unresolved && callee->kind == ExprKind::Name &&
                                            !static_cast<const NameExpr&>(*callee).binding)) {
      auto overloads = stdlib::overloads(name->text);
      if (overloads.empty()) return;
      if (Occurrence* o = name_at(name->range)) {
        o->builtins = overloads;
        if (c.target == CallTarget::Builtin && c.overload >= 0) {
          const auto first = overloads.data() - stdlib::builtins().data();
          if (c.overload >= first && c.overload < first + static_cast<long>(overloads.size()))
            o->overload = static_cast<int>(c.overload - first);
        }
        o->expr = &c;
      }
    } else if (c.callee_decl) {
      if (Occurrence* o = name_at(name->range)) {
        o->decl = static_cast<const Decl*>(c.callee_decl);
        if (callee->kind == ExprKind::Name) o->binding = static_cast<const NameExpr&>(*callee).binding;
        o->expr = &c;
      }
    }
  }

  const Snapshot& s_;
  uint32_t offset_;
  std::optional<Occurrence> hit_;
  const Expr* innermost_ = nullptr;
};

}  // namespace

std::optional<Occurrence> locate(const Snapshot& snapshot, uint32_t offset) {
  Locator::Found here = Locator(snapshot, offset).find();
  if (here.name) return here.name;
  // A cursor right after a word (where typing leaves it) means the word.
  if (offset > 0) {
    Locator::Found before = Locator(snapshot, offset - 1).find();
    if (before.name) return before.name;
  }
  if (!here.innermost) return std::nullopt;
  Occurrence o;
  o.range = here.innermost->range;
  o.expr = here.innermost;
  return o;
}

}  // namespace wf::analysis

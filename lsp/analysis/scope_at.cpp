// Collecting the names in scope at an offset (see scope_at.h). The tree may be broken where the
// user is typing; what the parser kept still gives the names declared above.
#include "analysis/scope_at.h"

namespace wf::analysis {

namespace {

class ScopeCollector {
 public:
  ScopeCollector(const SourceFile& file, uint32_t offset) : file_(file), offset_(offset) {}

  void params(const std::vector<Param>& params, const Snapshot& s) {
    for (const Param& p : params) {
      if (p.name.empty()) continue;
      out_.push_back({p.name.text, true, s.param_binding(p.name.range),
                      p.type ? std::string(file_.slice(p.type->range)) : std::string()});
    }
  }

  void block(const Block& b) {
    for (const auto& s : b.stmts) {
      if (!s) continue;  // a hole left by error recovery
      if (s->range.begin >= offset_) break;
      if (s->range.end < offset_) {
        declared_by(*s);
      } else {
        enclosing(*s);
      }
    }
  }

  std::vector<LocalName> take() { return std::move(out_); }

 private:
  bool encloses(const Block& b) const { return b.range.begin < offset_ && offset_ <= b.range.end; }

  void add(const Ident& name, const Binding* binding, const TypeExpr* written = nullptr) {
    if (name.empty()) return;
    out_.push_back({name.text, false, binding, written ? std::string(file_.slice(written->range)) : std::string()});
  }

  // A statement that ended before the offset: only a `let` leaves a name behind.
  void declared_by(const Stmt& s) {
    if (s.kind != StmtKind::Let) return;
    const auto& l = static_cast<const LetStmt&>(s);
    add(l.name, l.binding, l.declared.get());
  }

  // A statement the offset is inside: the names of the block the offset is in.
  void enclosing(const Stmt& s) {
    switch (s.kind) {
      case StmtKind::If: {
        const auto& i = static_cast<const IfStmt&>(s);
        if (encloses(i.then_block)) block(i.then_block);
        if (i.else_if && i.else_if->range.begin < offset_) enclosing(*i.else_if);
        if (i.else_block && encloses(*i.else_block)) block(*i.else_block);
        break;
      }
      case StmtKind::For: {
        const auto& f = static_cast<const ForStmt&>(s);
        if (encloses(f.body)) {
          add(f.var, f.var_binding);
          block(f.body);
        }
        break;
      }
      case StmtKind::While: {
        const auto& w = static_cast<const WhileStmt&>(s);
        if (encloses(w.body)) block(w.body);
        break;
      }
      case StmtKind::Try: {
        const auto& t = static_cast<const TryStmt&>(s);
        if (encloses(t.body)) block(t.body);
        if (t.has_catch && encloses(t.catch_block)) {
          add(t.catch_var, t.catch_binding);
          block(t.catch_block);
        }
        if (t.finally_block && encloses(*t.finally_block)) block(*t.finally_block);
        break;
      }
      case StmtKind::Step: {
        const auto& st = static_cast<const StepStmt&>(s);
        if (encloses(st.body)) block(st.body);
        break;
      }
      case StmtKind::Checkout: {
        const auto& c = static_cast<const CheckoutStmt&>(s);
        if (encloses(c.body)) {
          add(c.var, c.var_binding);
          block(c.body);
        }
        break;
      }
      case StmtKind::Parallel:
        for (const Branch& b : static_cast<const ParallelStmt&>(s).branches)
          if (encloses(b.body)) block(b.body);
        break;
      case StmtKind::ParallelFor: {
        const auto& p = static_cast<const ParallelForStmt&>(s);
        if (encloses(p.body)) {
          add(p.var, p.var_binding);
          block(p.body);
        }
        break;
      }
      default: break;
    }
  }

  const SourceFile& file_;
  uint32_t offset_;
  std::vector<LocalName> out_;
};

}  // namespace

std::vector<LocalName> locals_at(const Snapshot& snapshot, uint32_t offset) {
  ScopeCollector collect(snapshot.document(), offset);
  for (const auto& decl : snapshot.module().decls) {
    const bool inside = decl->range.begin < offset && offset <= decl->range.end;
    if (!inside) continue;
    if (decl->kind == DeclKind::Fn) {
      const auto& f = static_cast<const FnDecl&>(*decl);
      collect.params(f.params, snapshot);
      if (f.body.range.begin < offset) collect.block(f.body);
    } else if (decl->kind == DeclKind::Workflow) {
      const auto& w = static_cast<const WorkflowDecl&>(*decl);
      collect.params(w.params, snapshot);
      if (w.body.range.begin < offset) collect.block(w.body);
    }
    break;
  }
  return collect.take();
}

}  // namespace wf::analysis

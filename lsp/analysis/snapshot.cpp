// Building a Snapshot: check the text, then index what the features look up often.
#include "analysis/snapshot.h"

#include "syntax/ast_walk.h"

namespace wf::analysis {

Snapshot::Snapshot(const std::string& path, std::string text) : compilation_(std::make_unique<Compilation>()) {
  compilation_->check_text(path, std::move(text));
  const uint32_t files = static_cast<uint32_t>(compilation_->files().size());
  for (uint32_t f = 0; f < files; ++f)
    for (const auto& decl : compilation_->module(f).decls) decl_files_[decl.get()] = f;
  AstVisitor v;
  v.on_expr = [this](Expr& e) {
    if (e.kind != ExprKind::Name) return;
    const Binding* b = static_cast<NameExpr&>(e).binding;
    while (b && b->narrows) b = b->narrows;
    if (b && b->kind == BindingKind::Param && b->where.file == 0) params_[b->where.range.begin] = b;
  };
  v.on_stmt = [this](Stmt& s) {
    if (s.kind != StmtKind::Let) return;
    const auto& l = static_cast<const LetStmt&>(s);
    if (l.binding && l.declared) written_[l.binding] = l.declared->range;
  };
  for (const auto& decl : module().decls) walk(mutable_decl(*decl), v);
  auto params = [this](const std::vector<Param>& list) {
    for (const Param& p : list)
      if (const Binding* b = param_binding(p.name.range); b && p.type) written_[b] = p.type->range;
  };
  for (const auto& decl : module().decls) {
    if (decl->kind == DeclKind::Fn) params(static_cast<const FnDecl&>(*decl).params);
    if (decl->kind == DeclKind::Workflow) params(static_cast<const WorkflowDecl&>(*decl).params);
    if (decl->kind == DeclKind::Script) params(static_cast<const ScriptDecl&>(*decl).params);
  }
}

uint32_t Snapshot::file_of(const Decl* decl) const {
  auto it = decl_files_.find(decl);
  return it == decl_files_.end() ? 0 : it->second;
}

const TypeDecl* Snapshot::type_decl(const std::string& name) const {
  auto find_in = [&](uint32_t file) -> const TypeDecl* {
    for (const auto& decl : compilation_->module(file).decls)
      if (decl->kind == DeclKind::Type && decl->name.text == name) return static_cast<const TypeDecl*>(decl.get());
    return nullptr;
  };
  if (const TypeDecl* own = find_in(0)) return own;
  for (const auto& [decl_index, target] : compilation_->imports_of(0))
    if (const TypeDecl* imported = find_in(target)) return imported;
  return nullptr;
}

std::string Snapshot::written_type(const Binding& binding) const {
  auto it = written_.find(&binding);
  return it == written_.end() ? std::string() : std::string(document().slice(it->second));
}

const Binding* Snapshot::param_binding(SourceRange name) const {
  auto it = params_.find(name.begin);
  return it == params_.end() ? nullptr : it->second;
}

}  // namespace wf::analysis

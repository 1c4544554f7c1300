// The document's outline: its declarations in order, each workflow with the steps it contains, each step with the steps nested in it, wherever they sit (in an `if`, a loop, a
// parallel branch).
#include "analysis/describe.h"
#include "analysis/features.h"

namespace wf::analysis {

namespace {

void collect_steps(const SourceFile& file, const Block& block, std::vector<Symbol>& out);

void collect_steps(const SourceFile& file, const Stmt* s, std::vector<Symbol>& out) {
  if (!s) return;
  switch (s->kind) {
    case StmtKind::Step: {
      const auto& step = static_cast<const StepStmt&>(*s);
      Symbol sym;
      sym.kind = SymbolKind::Step;
      sym.range = s->range;
      if (step.name) {
        sym.name_range = step.name->range;
        const auto* text = step.name->kind == ExprKind::String ? static_cast<const StringExpr*>(step.name.get()) : nullptr;
        sym.name = text && text->is_plain() ? text->plain_text() : std::string(file.slice(step.name->range));
      } else {
        sym.name_range = {s->range.begin, s->range.begin};
      }
      if (sym.name.empty()) sym.name = "step";  // editors reject an empty symbol name
      sym.detail = "step";
      collect_steps(file, step.body, sym.children);
      out.push_back(std::move(sym));
      break;
    }
    case StmtKind::If: {
      const auto& i = static_cast<const IfStmt&>(*s);
      collect_steps(file, i.then_block, out);
      collect_steps(file, i.else_if.get(), out);
      if (i.else_block) collect_steps(file, *i.else_block, out);
      break;
    }
    case StmtKind::For: collect_steps(file, static_cast<const ForStmt&>(*s).body, out); break;
    case StmtKind::While: collect_steps(file, static_cast<const WhileStmt&>(*s).body, out); break;
    case StmtKind::Try: {
      const auto& t = static_cast<const TryStmt&>(*s);
      collect_steps(file, t.body, out);
      if (t.has_catch) collect_steps(file, t.catch_block, out);
      if (t.finally_block) collect_steps(file, *t.finally_block, out);
      break;
    }
    case StmtKind::Checkout: collect_steps(file, static_cast<const CheckoutStmt&>(*s).body, out); break;
    case StmtKind::Parallel:
      for (const Branch& b : static_cast<const ParallelStmt&>(*s).branches) collect_steps(file, b.body, out);
      break;
    case StmtKind::ParallelFor: collect_steps(file, static_cast<const ParallelForStmt&>(*s).body, out); break;
    default: break;
  }
}

void collect_steps(const SourceFile& file, const Block& block, std::vector<Symbol>& out) {
  for (const auto& s : block.stmts) collect_steps(file, s.get(), out);
}

std::optional<SymbolKind> symbol_kind(DeclKind k) {
  switch (k) {
    case DeclKind::Workflow: return SymbolKind::Workflow;
    case DeclKind::Fn: return SymbolKind::Fn;
    case DeclKind::Script: return SymbolKind::Script;
    case DeclKind::Library: return SymbolKind::Library;
    case DeclKind::Type: return SymbolKind::Type;
    case DeclKind::Const: return SymbolKind::Const;
    case DeclKind::Import: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::vector<Symbol> symbols_of(const Snapshot& snapshot) {
  const SourceFile& file = snapshot.document();
  std::vector<Symbol> out;
  for (const auto& decl : snapshot.module().decls) {
    const std::optional<SymbolKind> kind = symbol_kind(decl->kind);
    if (!kind || decl->name.empty()) continue;
    Symbol sym;
    sym.name = decl->name.text;
    sym.kind = *kind;
    sym.detail = describe_decl(file, *decl, false);
    sym.range = SourceRange::cover(decl->range, decl->name.range);
    sym.name_range = decl->name.range;
    if (decl->kind == DeclKind::Workflow) collect_steps(file, static_cast<const WorkflowDecl&>(*decl).body, sym.children);
    out.push_back(std::move(sym));
  }
  return out;
}

}  // namespace wf::analysis

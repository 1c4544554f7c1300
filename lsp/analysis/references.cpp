// Find references and rename: every place that spells the local, parameter or declaration named
// at an offset, in the document and every module its compilation read. Uses are matched by what
// the checker resolved them to (a narrowed view counts as the variable it narrows), never by
// spelling, so a shadowing name of the same spelling is left alone; type names, which no binding
// stands for, are matched by the `type` declaration they resolve to in their module.
#include <algorithm>
#include <functional>

#include "analysis/features.h"
#include "analysis/locate.h"
#include "syntax/ast_walk.h"

namespace wf::analysis {

namespace {

const Binding* root_of(const Binding* b) {
  while (b && b->narrows) b = b->narrows;
  return b;
}

// What a name stands for: a declaration, or else a local or parameter binding (a parameter never
// used has neither, only its place in the parameter list).
struct Target {
  const Decl* decl = nullptr;
  const Binding* binding = nullptr;
  const Param* param = nullptr;
  FileRange declaration;
};

// The target at `offset`, or the reason there is none.
std::optional<Target> target_at(const Snapshot& s, uint32_t offset, std::string* why) {
  const std::optional<Occurrence> found = locate(s, offset);
  const Compilation& c = s.compilation();
  if (!found) {
    *why = "there is no name here to rename";
    return std::nullopt;
  }
  const Occurrence& o = *found;
  const std::string word(s.document().slice(o.range));
  if (!o.builtins.empty()) {
    *why = "`" + word + "` is a builtin and cannot be renamed";
    return std::nullopt;
  }
  if (!o.job_kind.empty()) {
    *why = "`" + word + "` is a job kind and cannot be renamed";
    return std::nullopt;
  }
  Target t;
  if (const Binding* b = root_of(o.binding)) {
    if (b->decl) t.decl = b->decl;
    else t.binding = b;
  } else if (o.decl) {
    t.decl = o.decl;
  } else if (o.param) {
    t.param = o.param;
  }
  if (t.decl) {
    if (t.decl->kind == DeclKind::Import) {
      *why = "an import has no name to rename";
      return std::nullopt;
    }
    t.declaration = FileRange{c.file(s.file_of(t.decl)).path(), t.decl->name.range};
  } else if (t.binding) {
    t.declaration = FileRange{c.file(t.binding->where.file).path(), t.binding->where.range};
  } else if (t.param) {
    t.declaration = FileRange{s.document().path(), t.param->name.range};
  } else {
    *why = o.field.empty() ? "there is no name here to rename" : "`" + word + "` is a field; fields cannot be renamed";
    return std::nullopt;
  }
  return t;
}

// The `type` declaration a type name in file `file` resolves to: its own module's, else the first
// imported module's, as the checker looks it up.
const Decl* type_named(const Compilation& c, uint32_t file, const std::string& name) {
  auto find_in = [&](uint32_t f) -> const Decl* {
    for (const auto& decl : c.module(f).decls)
      if (decl->kind == DeclKind::Type && decl->name.text == name) return decl.get();
    return nullptr;
  };
  if (const Decl* own = find_in(file)) return own;
  for (const auto& [decl_index, target] : c.imports_of(file))
    if (const Decl* imported = find_in(target)) return imported;
  return nullptr;
}

std::vector<FileRange> uses_of(const Snapshot& s, const Target& t) {
  const Compilation& c = s.compilation();
  std::vector<FileRange> out;
  const uint32_t files = static_cast<uint32_t>(c.files().size());
  for (uint32_t f = 0; f < files; ++f) {
    const std::string& path = c.file(f).path();
    auto matches = [&](const Binding* b) {
      b = root_of(b);
      return b && ((t.decl && b->decl == t.decl) || (t.binding && b == t.binding));
    };
    std::function<void(const TypeExpr*)> visit_type = [&](const TypeExpr* type) {
      if (!type) return;
      switch (type->kind) {
        case TypeExprKind::Named: {
          const auto& named = static_cast<const NamedTypeExpr&>(*type);
          if (t.decl && t.decl->kind == DeclKind::Type && named.name.text == t.decl->name.text &&
              type_named(c, f, named.name.text) == t.decl)
            out.push_back({path, named.name.range});
          for (const auto& arg : named.args) visit_type(arg.get());
          break;
        }
        case TypeExprKind::Record:
          for (const FieldTypeExpr& field : static_cast<const RecordTypeExpr&>(*type).fields) visit_type(field.type.get());
          break;
        case TypeExprKind::Optional: visit_type(static_cast<const OptionalTypeExpr&>(*type).inner.get()); break;
      }
    };
    AstVisitor v;
    v.on_expr = [&](Expr& e) {
      if (e.kind == ExprKind::Name) {
        const auto& n = static_cast<const NameExpr&>(e);
        if (matches(n.binding)) out.push_back({path, n.name.range});
      } else if (e.kind == ExprKind::Run) {
        const auto& r = static_cast<const RunExpr&>(e);
        if (t.decl && r.script_decl == t.decl) out.push_back({path, r.script.range});
      }
    };
    v.on_stmt = [&](Stmt& st) {
      if (st.kind == StmtKind::Assign) {
        const auto& a = static_cast<const AssignStmt&>(st);
        if (matches(a.binding)) out.push_back({path, a.name.range});
      } else if (st.kind == StmtKind::Let) {
        visit_type(static_cast<const LetStmt&>(st).declared.get());
      }
    };
    auto params = [&](const std::vector<Param>& list) {
      for (const Param& p : list) visit_type(p.type.get());
    };
    for (const auto& decl : c.module(f).decls) {
      switch (decl->kind) {
        case DeclKind::Const: visit_type(static_cast<const ConstDecl&>(*decl).declared.get()); break;
        case DeclKind::Type: visit_type(static_cast<const TypeDecl&>(*decl).aliased.get()); break;
        case DeclKind::Fn:
          params(static_cast<const FnDecl&>(*decl).params);
          visit_type(static_cast<const FnDecl&>(*decl).result.get());
          break;
        case DeclKind::Workflow:
          params(static_cast<const WorkflowDecl&>(*decl).params);
          visit_type(static_cast<const WorkflowDecl&>(*decl).result.get());
          break;
        case DeclKind::Script: params(static_cast<const ScriptDecl&>(*decl).params); break;
        default: break;
      }
      walk(mutable_decl(*decl), v);
    }
  }
  return out;
}

void sort_unique(std::vector<FileRange>& ranges) {
  auto key = [](const FileRange& r) { return std::tie(r.path, r.range.begin, r.range.end); };
  std::sort(ranges.begin(), ranges.end(), [&](const FileRange& a, const FileRange& b) { return key(a) < key(b); });
  ranges.erase(std::unique(ranges.begin(), ranges.end(), [&](const FileRange& a, const FileRange& b) { return key(a) == key(b); }),
               ranges.end());
}

}  // namespace

std::vector<FileRange> references_at(const Snapshot& snapshot, uint32_t offset, bool include_declaration) {
  std::string why;
  const std::optional<Target> t = target_at(snapshot, offset, &why);
  if (!t) return {};
  std::vector<FileRange> out = t->param ? std::vector<FileRange>{} : uses_of(snapshot, *t);
  if (include_declaration) out.push_back(t->declaration);
  sort_unique(out);
  return out;
}

Renaming rename_at(const Snapshot& snapshot, uint32_t offset) {
  Renaming r;
  const std::optional<Target> t = target_at(snapshot, offset, &r.error);
  if (!t) return r;
  const std::optional<Occurrence> o = locate(snapshot, offset);
  r.range = o->range;
  r.name = std::string(snapshot.document().slice(o->range));
  r.occurrences = t->param ? std::vector<FileRange>{} : uses_of(snapshot, *t);
  r.occurrences.push_back(t->declaration);
  sort_unique(r.occurrences);
  return r;
}

}  // namespace wf::analysis

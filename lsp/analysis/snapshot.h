// One analysis of a document: its Compilation (the document and every module it imports, parsed
// and checked) and the lookups the features share. Internal to lsp/analysis.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "check/scope.h"
#include "driver/compilation.h"
#include "syntax/ast.h"

namespace wf::analysis {

class Snapshot {
 public:
  Snapshot(const std::string& path, std::string text);

  Compilation& compilation() { return *compilation_; }
  const Compilation& compilation() const { return *compilation_; }
  // The document is file 0 of its compilation.
  const SourceFile& document() const { return compilation_->file(0); }
  const Module& module() const { return compilation_->root(); }

  // The file that declares `decl` (any module of the compilation); 0 when none does.
  uint32_t file_of(const Decl* decl) const;
  // A `type` declaration visible in the document (its own or an imported module's), or null.
  const TypeDecl* type_decl(const std::string& name) const;
  // The binding of a parameter, found through a use of it; null for a parameter never used,
  // whose binding no node of the tree points to.
  const Binding* param_binding(SourceRange name) const;
  // The type a `let`, `var` or parameter was declared with, as written (`Box`, where the checked
  // type would read `{size: int, ...}`); empty when it was inferred or the binding is a narrowed
  // view, whose type differs from the declared one.
  std::string written_type(const Binding& binding) const;

 private:
  std::unique_ptr<Compilation> compilation_;
  std::unordered_map<const Decl*, uint32_t> decl_files_;
  std::unordered_map<uint32_t, const Binding*> params_;  // name offset in the document → binding
  std::unordered_map<const Binding*, SourceRange> written_;  // declared type expressions
};

// The AST walker takes mutable nodes because the checker annotates them through it; the features
// only read, and reach the trees through a const Compilation.
inline Decl& mutable_decl(const Decl& d) { return const_cast<Decl&>(d); }

}  // namespace wf::analysis

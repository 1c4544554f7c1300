// What is at a byte offset of the document: the name, declaration or expression under the cursor,
// and what the checker resolved it to. Hover and go-to-definition both start here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "analysis/snapshot.h"
#include "stdlib/builtins.h"

namespace wf::analysis {

struct Occurrence {
  SourceRange range;                  // the word or expression under the cursor
  const Expr* expr = nullptr;         // the innermost expression there, for its type
  const Binding* binding = nullptr;   // a name resolved to a local, parameter or declaration
  const Decl* decl = nullptr;         // a declaration named, called, run or used as a type
  const Param* param = nullptr;       // a parameter where it is declared
  const Decl* param_owner = nullptr;  // the declaration `param` belongs to
  std::span<const stdlib::BuiltinSignature> builtins;  // a builtin called by this name
  int overload = -1;                  // the overload the checker chose (an index into `builtins`)
  std::string field;                  // a field name, in `x.f` or `{f: v}`
  const Type* field_type = nullptr;
  std::string job_kind;               // a typed job's kind, in `run service_control {...}`
  const ImportDecl* import = nullptr; // an import's path
};

// The occurrence at `offset`; a cursor just after a word counts as on it. Nullopt on whitespace,
// comments and keywords.
std::optional<Occurrence> locate(const Snapshot& snapshot, uint32_t offset);

}  // namespace wf::analysis

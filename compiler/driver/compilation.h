// A Compilation loads a root .wf file and every module it imports, parses and checks them, and
// owns the results: source files, syntax trees and diagnostics. It is the front end's one entry
// point for the CLI, the tests and (later) the language server and the back end.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "check/scope.h"
#include "diagnostics/diagnostic.h"
#include "source/source_file.h"
#include "syntax/ast.h"

namespace wf {

class TypeContext;
struct ModuleScope;

class Compilation {
 public:
  Compilation();
  ~Compilation();
  Compilation(const Compilation&) = delete;
  Compilation& operator=(const Compilation&) = delete;

  // Reads `path` from disk and checks it with its imports. An unreadable root file is reported
  // as a diagnostic-free failure: `load_error()` says why.
  bool check_file(const std::string& path);
  // Checks in-memory text as if it were the file `path` (imports still resolve on disk).
  void check_text(const std::string& path, std::string text);

  const std::optional<std::string>& load_error() const { return load_error_; }
  const std::vector<std::unique_ptr<SourceFile>>& files() const { return files_; }
  const SourceFile& file(uint32_t index) const { return *files_[index]; }
  // The module parsed from file `index` (always present once the file is loaded).
  const Module& module(uint32_t index) const { return *modules_[index]; }
  const Module& root() const { return *modules_[0]; }
  const DiagnosticSink& diagnostics() const { return sink_; }
  TypeContext& types() { return *types_; }
  // The modules file `index` imports: (index of the import declaration, imported file).
  const std::vector<std::pair<uint32_t, uint32_t>>& imports_of(uint32_t index) const { return import_targets_[index]; }

 private:
  friend class ImportLoader;
  uint32_t add_file(std::string path, std::string text);

  std::optional<std::string> load_error_;
  std::vector<std::unique_ptr<SourceFile>> files_;
  std::vector<std::unique_ptr<Module>> modules_;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> import_targets_;
  std::unique_ptr<TypeContext> types_;
  std::deque<Binding> bindings_;  // what the AST's NameExprs point to
  DiagnosticSink sink_;
};

}  // namespace wf

// A document's diagnostics. The compilation also checks the modules the document imports; their
// errors cannot be shown where they are (the editor publishes per document), so each imported
// module with errors gets one problem on the `import` that leads to it.
#include <set>

#include "analysis/features.h"

namespace wf::analysis {

namespace {

// For each file the document imports, directly or not, the import declaration that leads to it.
std::map<uint32_t, const ImportDecl*> import_leading_to(const Compilation& c) {
  std::map<uint32_t, const ImportDecl*> via;
  for (const auto& [decl_index, target] : c.imports_of(0)) {
    const auto* import = static_cast<const ImportDecl*>(c.root().decls[decl_index].get());
    std::vector<uint32_t> pending{target};
    while (!pending.empty()) {
      const uint32_t f = pending.back();
      pending.pop_back();
      if (f == 0 || !via.emplace(f, import).second) continue;
      for (const auto& [i, next] : c.imports_of(f)) pending.push_back(next);
    }
  }
  return via;
}

Problem problem_from(const Compilation& c, const Diagnostic& d) {
  Problem p;
  p.code = std::string(info(d.code).code);
  p.severity = d.severity;
  p.range = d.where.range;
  p.message = d.message;
  p.unnecessary = p.code == "W0001" || p.code == "W0002";
  if (d.fix && d.fix->where.file == 0) p.fix = Problem::Fix{d.fix->title, d.fix->where.range, d.fix->replacement};
  for (const DiagNote& n : d.notes)
    p.notes.push_back({FileRange{c.file(n.where.file).path(), n.where.range}, n.message});
  return p;
}

}  // namespace

std::vector<Problem> problems_of(const Snapshot& snapshot) {
  const Compilation& c = snapshot.compilation();
  std::vector<Problem> out;
  std::map<uint32_t, const ImportDecl*> via;
  std::set<uint32_t> reported;  // imported files already summarised
  for (const Diagnostic& d : c.diagnostics().all()) {
    if (d.where.file == 0) {
      out.push_back(problem_from(c, d));
      continue;
    }
    if (d.severity != Severity::Error || reported.count(d.where.file)) continue;
    if (via.empty()) via = import_leading_to(c);
    auto it = via.find(d.where.file);
    if (it == via.end()) continue;
    reported.insert(d.where.file);
    const SourceFile& file = c.file(d.where.file);
    Problem p = problem_from(c, d);
    p.range = it->second->path_range;
    p.message = "in `" + file.path() + "` at line " + std::to_string(file.position(d.where.range.begin).line) +
                ": " + d.message;
    p.notes.insert(p.notes.begin(), {FileRange{file.path(), d.where.range}, d.message});
    p.fix.reset();  // its edit is in the imported file, not the document
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace wf::analysis

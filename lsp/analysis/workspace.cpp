// The Workspace: documents, their edits, and a lazily made analysis per document (workspace.h).
#include "analysis/workspace.h"

#include <algorithm>
#include <cctype>

#include "analysis/features.h"
#include "analysis/snapshot.h"
#include "analysis/vocabulary.h"

namespace wf::analysis {

Workspace::Workspace() = default;
Workspace::~Workspace() = default;

void Workspace::open(const std::string& path, std::string text, int64_t version) {
  Document& d = documents_[path];
  d.text = std::move(text);
  d.version = version;
  d.analysis.reset();
}

EditStatus Workspace::edit(const std::string& path, SourceRange range, std::string_view replacement) {
  auto it = documents_.find(path);
  if (it == documents_.end()) return EditStatus::UnknownDocument;
  Document& d = it->second;
  if (range.begin > range.end || range.end > d.text.size()) return EditStatus::OutOfRange;
  d.text.replace(range.begin, range.end - range.begin, replacement);
  d.analysis.reset();
  return EditStatus::Ok;
}

void Workspace::set_version(const std::string& path, int64_t version) {
  if (auto it = documents_.find(path); it != documents_.end()) it->second.version = version;
}

bool Workspace::close(const std::string& path) { return documents_.erase(path) > 0; }

bool Workspace::is_open(const std::string& path) const { return documents_.count(path) > 0; }

const std::string* Workspace::text_of(const std::string& path) const {
  if (auto it = documents_.find(path); it != documents_.end()) return &it->second.text;
  for (const auto& [name, d] : documents_) {
    if (!d.analysis) continue;
    for (const auto& file : d.analysis->compilation().files())
      if (file->path() == path) return &file->text();
  }
  return nullptr;
}

std::optional<int64_t> Workspace::version_of(const std::string& path) const {
  if (auto it = documents_.find(path); it != documents_.end()) return it->second.version;
  return std::nullopt;
}

Snapshot* Workspace::analyse(const std::string& path) {
  auto it = documents_.find(path);
  if (it == documents_.end()) return nullptr;
  Document& d = it->second;
  if (!d.analysis) d.analysis = std::make_unique<Snapshot>(path, d.text);
  return d.analysis.get();
}

std::vector<Problem> Workspace::diagnostics(const std::string& path) {
  Snapshot* s = analyse(path);
  return s ? problems_of(*s) : std::vector<Problem>{};
}

std::optional<HoverInfo> Workspace::hover(const std::string& path, uint32_t offset) {
  Snapshot* s = analyse(path);
  return s ? hover_at(*s, offset) : std::nullopt;
}

std::optional<FileRange> Workspace::definition(const std::string& path, uint32_t offset) {
  Snapshot* s = analyse(path);
  return s ? definition_at(*s, offset) : std::nullopt;
}

std::vector<Symbol> Workspace::symbols(const std::string& path) {
  Snapshot* s = analyse(path);
  return s ? symbols_of(*s) : std::vector<Symbol>{};
}

std::vector<CompletionCandidate> Workspace::completion(const std::string& path, uint32_t offset) {
  Snapshot* s = analyse(path);
  return s ? completion_at(*s, offset) : std::vector<CompletionCandidate>{};
}

Formatting Workspace::format(const std::string& path) {
  auto it = documents_.find(path);
  if (it == documents_.end()) return Formatting{false, {}, "the document is not open"};
  return format_text(path, it->second.text);
}

std::vector<FileRange> Workspace::references(const std::string& path, uint32_t offset, bool include_declaration) {
  Snapshot* s = analyse(path);
  return s ? references_at(*s, offset, include_declaration) : std::vector<FileRange>{};
}

Renaming Workspace::prepare_rename(const std::string& path, uint32_t offset) {
  Snapshot* s = analyse(path);
  if (!s) return Renaming{"the document is not open", {}, {}, {}};
  return rename_at(*s, offset);
}

Renaming Workspace::rename(const std::string& path, uint32_t offset, const std::string& new_name) {
  Renaming r = prepare_rename(path, offset);
  if (!r.error.empty()) return r;
  const bool identifier = !new_name.empty() && (std::isalpha(static_cast<unsigned char>(new_name[0])) || new_name[0] == '_') &&
                          std::all_of(new_name.begin(), new_name.end(), [](char c) {
                            return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                          });
  if (!identifier) r.error = "`" + new_name + "` is not an identifier";
  else if (std::find(keywords().begin(), keywords().end(), new_name) != keywords().end())
    r.error = "`" + new_name + "` is a keyword";
  if (!r.error.empty()) r.occurrences.clear();
  return r;
}

std::vector<Fold> Workspace::folds(const std::string& path) {
  Snapshot* s = analyse(path);
  return s ? folds_of(*s) : std::vector<Fold>{};
}

std::vector<SemanticToken> Workspace::semantic_tokens(const std::string& path) {
  Snapshot* s = analyse(path);
  return s ? tokens_of(*s) : std::vector<SemanticToken>{};
}

std::optional<SignatureHelp> Workspace::signature_help(const std::string& path, uint32_t offset) {
  Snapshot* s = analyse(path);
  return s ? signature_at(*s, offset) : std::nullopt;
}

std::vector<WorkspaceSymbol> Workspace::workspace_symbols(const std::string& query) {
  auto fits = [&](const std::string& name) {
    size_t at = 0;
    for (char c : name)
      if (at < query.size() && std::tolower(static_cast<unsigned char>(c)) == std::tolower(static_cast<unsigned char>(query[at])))
        ++at;
    return at == query.size();
  };
  std::vector<WorkspaceSymbol> out;
  for (const auto& [path, d] : documents_) {
    auto add = [&](auto& self, const Symbol& s, const std::string& container) -> void {
      if (fits(s.name)) {
        Symbol flat = s;
        flat.children.clear();
        out.push_back({path, std::move(flat), container});
      }
      for (const Symbol& child : s.children) self(self, child, s.name);
    };
    for (const Symbol& s : symbols(path)) add(add, s, "");
  }
  return out;
}

}  // namespace wf::analysis

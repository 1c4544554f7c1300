// The Workspace: documents, their edits, and a lazily made analysis per document (workspace.h).
#include "analysis/workspace.h"

#include "analysis/features.h"
#include "analysis/snapshot.h"

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

}  // namespace wf::analysis

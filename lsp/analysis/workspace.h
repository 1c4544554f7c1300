// The language server's model of the editor's open documents, and the questions it answers about
// them. LSP-agnostic: documents are named by path, positions are byte offsets into their text,
// answers are the plain values of results.h.
//
// Threading: a Workspace is used from one thread. Ownership: it owns the documents' text and the
// latest analysis of each; an answer is a value and outlives the workspace, but the pointer that
// text_of() returns lives only until the workspace next changes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/results.h"

namespace wf::analysis {

class Snapshot;  // one analysis of a document (snapshot.h)

enum class EditStatus { Ok, UnknownDocument, OutOfRange };

class Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // Opens `path` with `text` (replacing a document open there already).
  void open(const std::string& path, std::string text, int64_t version);
  // Replaces the bytes [range.begin, range.end) of an open document. Edits apply in the order
  // they are made, each to the text the previous one left.
  EditStatus edit(const std::string& path, SourceRange range, std::string_view replacement);
  // Records the version the editor gave the document's latest text.
  void set_version(const std::string& path, int64_t version);
  // Forgets a document; false when it was not open.
  bool close(const std::string& path);

  bool is_open(const std::string& path) const;
  // The text of an open document, or of a module the document's latest analysis read from disk
  // (where a definition may point); null when neither.
  const std::string* text_of(const std::string& path) const;
  std::optional<int64_t> version_of(const std::string& path) const;

  // The questions. Each analyses the document first if its text changed since the last answer;
  // imports resolve on disk, relative to the document's path. Unknown documents get empty answers.
  std::vector<Problem> diagnostics(const std::string& path);
  std::optional<HoverInfo> hover(const std::string& path, uint32_t offset);
  std::optional<FileRange> definition(const std::string& path, uint32_t offset);
  std::vector<Symbol> symbols(const std::string& path);
  std::vector<CompletionCandidate> completion(const std::string& path, uint32_t offset);

 private:
  struct Document {
    std::string text;
    int64_t version = 0;
    std::unique_ptr<Snapshot> analysis;  // null when the text changed since it was made
  };
  Snapshot* analyse(const std::string& path);

  std::map<std::string, Document> documents_;
};

}  // namespace wf::analysis

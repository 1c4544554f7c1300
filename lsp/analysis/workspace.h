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
  // The document formatted; needs no analysis, only the text.
  Formatting format(const std::string& path);
  // Every use of the local, parameter or declaration named at `offset`, in the document and the
  // modules it imports; its declaration too when asked.
  std::vector<FileRange> references(const std::string& path, uint32_t offset, bool include_declaration);
  // Whether the name at `offset` can be renamed, and what renaming it touches; with `new_name`,
  // also whether that is a name it may take.
  Renaming prepare_rename(const std::string& path, uint32_t offset);
  Renaming rename(const std::string& path, uint32_t offset, const std::string& new_name);
  // The foldable parts of the document: brace blocks, multi-line strings, runs of comments.
  std::vector<Fold> folds(const std::string& path);
  // The document's words and literals by meaning, in order and not overlapping.
  std::vector<SemanticToken> semantic_tokens(const std::string& path);
  // The signatures of the call whose arguments the cursor is in; works on the text as typed, so a
  // call still missing its `)` gets help too.
  std::optional<SignatureHelp> signature_help(const std::string& path, uint32_t offset);
  // The declarations (and steps) of every open document whose name contains the query's letters
  // in order, ignoring case; all of them for an empty query.
  std::vector<WorkspaceSymbol> workspace_symbols(const std::string& query);

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

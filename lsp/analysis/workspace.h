// The language server's model of the editor's open documents, and the questions it answers about
// them. LSP-agnostic: documents are named by path, positions are byte offsets into their text,
// answers are the plain values of results.h.
//
// Analysis runs off the request path, on a thread of the workspace's own: opening a document or
// giving it a new version schedules an analysis (parse and check, with its imports read from
// disk), and when several versions arrive while one is being analysed only the newest is analysed
// next. Each analysis that is still of the current text when it finishes is handed to the
// publisher, on that thread; one that a newer text superseded is kept for answering questions but
// not published. Questions never wait for the analysis of the latest text (clangd answers hover
// and completion the same way, from the latest usable AST): they are answered from the latest
// completed analysis, their offsets carried through the edits made since (offset_map.h), and a
// question about text typed since gets the answer the older analysis can give. Only when a
// document has no completed analysis yet does a question wait for its first one. Questions whose
// answers are edits (rename, the diagnostics behind code actions) wait for the analysis of the
// current text, since an edit computed on an older text would damage the document.
//
// Threading: the methods are called from one thread (the server's); the publisher and the
// analysis hook run on the analysis thread. Ownership: the workspace owns the documents' text and
// their analyses; answers are values that outlive it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "analysis/offset_map.h"
#include "analysis/results.h"

namespace wf {
class TokenMemo;
}

namespace wf::analysis {

class Snapshot;  // one analysis of a document (snapshot.h)

enum class EditStatus { Ok, UnknownDocument, OutOfRange };

// A finished analysis of a document's current text, as the publisher sees it: valid only during
// the call.
struct Analysed {
  const std::string& path;
  int64_t version;
  const std::string& text;  // the text analysed: the problems' ranges are in it
  const std::vector<Problem>& problems;
  // The text of a file the problems' notes point into (the document or a module it imports).
  std::function<const std::string*(const std::string& path)> text_of;
};

class Workspace {
 public:
  using Publisher = std::function<void(const Analysed&)>;
  // `publish` is called on the analysis thread, in the order the analyses finish; it must not call
  // back into the workspace.
  explicit Workspace(Publisher publish = {});
  ~Workspace();  // finishes the analysis under way and stops the thread
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // Opens `path` with `text` (replacing a document open there already) and schedules its analysis.
  void open(const std::string& path, std::string text, int64_t version);
  // Replaces the bytes [range.begin, range.end) of an open document. Edits apply in the order
  // they are made, each to the text the previous one left; they are analysed once set_version
  // gives the text its version (or a question needs it).
  EditStatus edit(const std::string& path, SourceRange range, std::string_view replacement);
  // Records the version the editor gave the document's latest text and schedules its analysis.
  void set_version(const std::string& path, int64_t version);
  // Forgets a document; false when it was not open. Nothing about it is published afterwards.
  bool close(const std::string& path);

  // Waits until every scheduled analysis has finished (and been published).
  void wait_until_idle();
  // For tests: called on the analysis thread before each analysis, with the document and the
  // version about to be analysed (a test makes analyses slow with it).
  void set_analysis_hook(std::function<void(const std::string& path, int64_t version)> hook);

  bool is_open(const std::string& path) const;
  // The text of an open document (valid until the document next changes), or of a module that a
  // document's latest analysis read from disk (where a definition may point; kept alive by the
  // pointer); null when neither.
  std::shared_ptr<const std::string> text_of(const std::string& path) const;
  std::optional<int64_t> version_of(const std::string& path) const;

  // The questions, in offsets of the document's current text. Imports resolve on disk, relative
  // to the document's path. Unknown documents get empty answers.
  std::vector<Problem> diagnostics(const std::string& path);  // of the current text
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
  // also whether that is a name it may take. Of the current text.
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
    uint64_t revision = 0;  // of `text`: grows with every change, across all documents
    bool queued = false;
    std::shared_ptr<Snapshot> analysed;  // the latest completed analysis, or null
    uint64_t analysed_revision = 0;
    uint64_t failed_revision = 0;  // an analysis that could not be made (out of memory)
    // The edits from the analysed text to `text`, each with the revision it made.
    std::vector<std::pair<uint64_t, TextEdit>> edits;
  };
  // What a question is answered from: an analysis, and the edits from its text to the current one.
  struct View {
    std::shared_ptr<Snapshot> snapshot;
    std::vector<TextEdit> edits;
    const std::string* text = nullptr;  // the current text
  };
  enum class Need { Any, Current };
  View view(const std::string& path, Need need);
  void schedule(const std::string& path, Document& d);  // with mutex_ held
  void analyse_loop();
  void analyse_one(std::unique_lock<std::mutex>& lock);
  // Makes a finished analysis the document's latest and publishes it if it is still current; what
  // it replaces goes to `garbage`. With mutex_ held.
  void install(const std::string& path, uint64_t revision, int64_t version, const std::shared_ptr<Snapshot>& snapshot,
               const std::vector<Problem>& problems, std::vector<std::shared_ptr<void>>& garbage);

  Publisher publish_;
  std::function<void(const std::string&, int64_t)> hook_;
  mutable std::mutex mutex_;  // guards everything below, and the analysis fields of documents_
  std::condition_variable changed_;
  std::map<std::string, Document> documents_;
  std::deque<std::string> queue_;
  uint64_t revisions_ = 0;
  bool busy_ = false;
  bool stopping_ = false;
  std::unique_ptr<TokenMemo> memo_;  // used by the analysis thread only

  std::thread thread_;  // last: started when everything else exists
};

}  // namespace wf::analysis

// The Workspace: documents, their edits, the analysis thread, and the questions answered from the
// latest completed analysis of each document (workspace.h).
#include "analysis/workspace.h"

#include <algorithm>
#include <cctype>
#include <exception>

#include "analysis/features.h"
#include "analysis/snapshot.h"
#include "analysis/vocabulary.h"
#include "parse/token_memo.h"

namespace wf::analysis {

namespace {

void move_ranges(Symbol& s, const std::vector<TextEdit>& edits) {
  s.range = to_current(edits, s.range);
  s.name_range = to_current(edits, s.name_range);
  for (Symbol& child : s.children) move_ranges(child, edits);
}

}  // namespace

Workspace::Workspace(Publisher publish)
    : publish_(std::move(publish)),
      memo_(std::make_unique<TokenMemo>()),
      thread_([this] { analyse_loop(); }) {
  // Before any parse: the thread parses only what a later call schedules.
  memo_->keep_leftovers(true);
  memo_->reparse_declarations(true);
}

Workspace::~Workspace() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

// ---- documents

void Workspace::open(const std::string& path, std::string text, int64_t version) {
  std::lock_guard<std::mutex> lock(mutex_);
  Document& d = documents_[path];
  d.text = std::move(text);
  d.version = version;
  d.revision = ++revisions_;
  // A reopened document is another text: nothing of an earlier analysis carries over.
  d.analysed.reset();
  d.analysed_revision = 0;
  d.edits.clear();
  schedule(path, d);
}

EditStatus Workspace::edit(const std::string& path, SourceRange range, std::string_view replacement) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = documents_.find(path);
  if (it == documents_.end()) return EditStatus::UnknownDocument;
  Document& d = it->second;
  if (range.begin > range.end || range.end > d.text.size()) return EditStatus::OutOfRange;
  d.text.replace(range.begin, range.end - range.begin, replacement);
  d.revision = ++revisions_;
  d.edits.push_back({d.revision, TextEdit{range.begin, range.end, static_cast<uint32_t>(replacement.size())}});
  return EditStatus::Ok;
}

void Workspace::set_version(const std::string& path, int64_t version) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = documents_.find(path);
  if (it == documents_.end()) return;
  it->second.version = version;
  schedule(path, it->second);
}

bool Workspace::close(const std::string& path) {
  std::shared_ptr<Snapshot> released;  // freed after the lock is let go
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = documents_.find(path);
  if (it == documents_.end()) return false;
  released = std::move(it->second.analysed);
  documents_.erase(it);
  return true;
}

bool Workspace::is_open(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return documents_.count(path) > 0;
}

std::shared_ptr<const std::string> Workspace::text_of(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  // An open document's text changes only on this thread, by the calls that say it does.
  if (auto it = documents_.find(path); it != documents_.end())
    return std::shared_ptr<const std::string>(std::shared_ptr<const std::string>(), &it->second.text);
  for (const auto& [name, d] : documents_) {
    if (!d.analysed) continue;
    for (const auto& file : d.analysed->compilation().files())
      if (file->path() == path) return std::shared_ptr<const std::string>(d.analysed, &file->text());
  }
  return nullptr;
}

std::optional<int64_t> Workspace::version_of(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = documents_.find(path); it != documents_.end()) return it->second.version;
  return std::nullopt;
}

// ---- the analysis thread

void Workspace::schedule(const std::string& path, Document& d) {
  if (d.queued) return;  // the queued analysis will take the newest text when it starts
  d.queued = true;
  queue_.push_back(path);
  changed_.notify_all();
}

void Workspace::set_analysis_hook(std::function<void(const std::string&, int64_t)> hook) {
  std::lock_guard<std::mutex> lock(mutex_);
  hook_ = std::move(hook);
}

void Workspace::wait_until_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return (queue_.empty() && !busy_) || stopping_; });
}

void Workspace::analyse_loop() {
  // The parser reuses the tokens of each file's previous parse on this thread.
  TokenMemoScope memo(*memo_);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    busy_ = true;
    analyse_one(lock);
    busy_ = false;
    changed_.notify_all();
  }
}

void Workspace::analyse_one(std::unique_lock<std::mutex>& lock) {
  const std::string path = std::move(queue_.front());
  queue_.pop_front();
  auto it = documents_.find(path);
  if (it == documents_.end()) return;  // closed while it waited
  it->second.queued = false;
  if (it->second.analysed && it->second.analysed_revision == it->second.revision) return;  // nothing new
  std::string text = it->second.text;
  const uint64_t revision = it->second.revision;
  const int64_t version = it->second.version;
  const auto hook = hook_;

  lock.unlock();
  std::shared_ptr<Snapshot> snapshot;
  std::vector<Problem> problems;
  try {
    if (hook) hook(path, version);
    snapshot = std::make_shared<Snapshot>(path, std::move(text));
    problems = problems_of(*snapshot);
  } catch (const std::exception&) {
    snapshot.reset();  // out of memory, most likely: the document keeps its previous analysis
  }
  // What the parse left and the analysis this one replaces are freed after the diagnostics are
  // out, and without the lock.
  std::vector<std::shared_ptr<void>> garbage = memo_->take_leftovers();
  lock.lock();
  install(path, revision, version, snapshot, problems, garbage);
  changed_.notify_all();
  lock.unlock();
  garbage.clear();
  lock.lock();
}

void Workspace::install(const std::string& path, uint64_t revision, int64_t version,
                        const std::shared_ptr<Snapshot>& snapshot, const std::vector<Problem>& problems,
                        std::vector<std::shared_ptr<void>>& garbage) {
  auto it = documents_.find(path);
  if (it == documents_.end()) return;  // closed meanwhile
  Document& d = it->second;
  if (!snapshot) {
    d.failed_revision = revision;  // questions waiting for it get empty answers
    return;
  }
  if (revision <= d.analysed_revision) return;
  garbage.push_back(std::move(d.analysed));
  d.analysed = snapshot;
  d.analysed_revision = revision;
  d.edits.erase(d.edits.begin(), std::find_if(d.edits.begin(), d.edits.end(),
                                              [&](const auto& e) { return e.first > revision; }));
  // Published while the lock is held, so that a close cannot slip in between the check and the
  // notification; superseded diagnostics are never published.
  if (!publish_ || d.revision != revision) return;
  const Compilation& c = snapshot->compilation();
  auto text_of = [&c](const std::string& file_path) -> const std::string* {
    for (const auto& file : c.files())
      if (file->path() == file_path) return &file->text();
    return nullptr;
  };
  try {
    publish_(Analysed{path, version, snapshot->document().text(), problems, text_of});
  } catch (const std::exception&) {
    // The publisher reports its own failures; nothing may leave this thread.
  }
}

// ---- questions

Workspace::View Workspace::view(const std::string& path, Need need) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto it = documents_.find(path);
  if (it == documents_.end()) return {};
  auto ready = [&] {
    it = documents_.find(path);
    if (it == documents_.end()) return true;
    const Document& d = it->second;
    return d.failed_revision == d.revision || (d.analysed && (need == Need::Any || d.analysed_revision == d.revision));
  };
  if (!ready()) {
    schedule(path, it->second);
    changed_.wait(lock, [&] { return ready() || stopping_; });
    if (it == documents_.end() || !it->second.analysed) return {};
    if (need == Need::Current && it->second.analysed_revision != it->second.revision) return {};  // it failed
  }
  View v;
  v.snapshot = it->second.analysed;
  for (const auto& [revision, edit] : it->second.edits) v.edits.push_back(edit);
  v.text = &it->second.text;
  return v;
}

std::vector<Problem> Workspace::diagnostics(const std::string& path) {
  View v = view(path, Need::Current);
  return v.snapshot ? problems_of(*v.snapshot) : std::vector<Problem>{};
}

std::optional<HoverInfo> Workspace::hover(const std::string& path, uint32_t offset) {
  View v = view(path, Need::Any);
  if (!v.snapshot) return std::nullopt;
  const OlderOffset at = to_older(v.edits, offset);
  if (!at.exact) return std::nullopt;  // text typed since the analysis: it knows nothing of it
  auto info = hover_at(*v.snapshot, at.offset);
  if (info) info->range = to_current(v.edits, info->range);
  return info;
}

std::optional<FileRange> Workspace::definition(const std::string& path, uint32_t offset) {
  View v = view(path, Need::Any);
  if (!v.snapshot) return std::nullopt;
  const OlderOffset at = to_older(v.edits, offset);
  if (!at.exact) return std::nullopt;
  auto target = definition_at(*v.snapshot, at.offset);
  if (target && target->path == path) target->range = to_current(v.edits, target->range);
  return target;
}

std::vector<Symbol> Workspace::symbols(const std::string& path) {
  View v = view(path, Need::Any);
  if (!v.snapshot) return {};
  std::vector<Symbol> out = symbols_of(*v.snapshot);
  if (!v.edits.empty())
    for (Symbol& s : out) move_ranges(s, v.edits);
  return out;
}

std::vector<CompletionCandidate> Workspace::completion(const std::string& path, uint32_t offset) {
  View v = view(path, Need::Any);
  return v.snapshot ? completion_at(*v.snapshot, *v.text, offset, v.edits) : std::vector<CompletionCandidate>{};
}

Formatting Workspace::format(const std::string& path) {
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = documents_.find(path);
    if (it == documents_.end()) return Formatting{false, {}, "the document is not open"};
    text = it->second.text;
  }
  return format_text(path, text);
}

std::vector<FileRange> Workspace::references(const std::string& path, uint32_t offset, bool include_declaration) {
  View v = view(path, Need::Any);
  if (!v.snapshot) return {};
  const OlderOffset at = to_older(v.edits, offset);
  if (!at.exact) return {};
  std::vector<FileRange> out = references_at(*v.snapshot, at.offset, include_declaration);
  for (FileRange& r : out)
    if (r.path == path) r.range = to_current(v.edits, r.range);
  return out;
}

Renaming Workspace::prepare_rename(const std::string& path, uint32_t offset) {
  View v = view(path, Need::Current);
  if (!v.snapshot) return Renaming{"the document is not open", {}, {}, {}};
  return rename_at(*v.snapshot, offset);
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
  View v = view(path, Need::Any);
  if (!v.snapshot) return {};
  std::vector<Fold> out = folds_of(*v.snapshot);
  for (Fold& f : out) f.range = to_current(v.edits, f.range);
  return out;
}

std::vector<SemanticToken> Workspace::semantic_tokens(const std::string& path) {
  View v = view(path, Need::Any);
  if (!v.snapshot) return {};
  std::vector<SemanticToken> out = tokens_of(*v.snapshot);
  if (v.edits.empty()) return out;
  // Offsets keep their order through edits, so the tokens stay ordered; a token the edits cut
  // into is left out rather than coloured wrongly.
  std::vector<SemanticToken> kept;
  for (SemanticToken& t : out) {
    const SourceRange moved = to_current(v.edits, t.range);
    if (moved.end - moved.begin != t.range.end - t.range.begin) continue;
    t.range = moved;
    kept.push_back(t);
  }
  return kept;
}

std::optional<SignatureHelp> Workspace::signature_help(const std::string& path, uint32_t offset) {
  View v = view(path, Need::Any);
  return v.snapshot ? signature_at(*v.snapshot, *v.text, offset) : std::nullopt;
}

std::vector<WorkspaceSymbol> Workspace::workspace_symbols(const std::string& query) {
  auto fits = [&](const std::string& name) {
    size_t at = 0;
    for (char c : name)
      if (at < query.size() && std::tolower(static_cast<unsigned char>(c)) == std::tolower(static_cast<unsigned char>(query[at])))
        ++at;
    return at == query.size();
  };
  std::vector<std::string> paths;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [path, d] : documents_) paths.push_back(path);
  }
  std::vector<WorkspaceSymbol> out;
  for (const std::string& path : paths) {
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

// The server loop and the translation of each LSP method to the analysis (see server.h).
#include "protocol/server.h"

#include <exception>
#include <istream>
#include <ostream>

#include "protocol/positions.h"
#include "protocol/uri.h"

namespace wf::lsp {

namespace {

using nlohmann::json;

DiagnosticSeverity severity_of(Severity s) {
  switch (s) {
    case Severity::Error: return DiagnosticSeverity::Error;
    case Severity::Warning: return DiagnosticSeverity::Warning;
    case Severity::Note: return DiagnosticSeverity::Information;
  }
  return DiagnosticSeverity::Error;
}

SymbolKind symbol_kind_of(analysis::SymbolKind k) {
  switch (k) {
    case analysis::SymbolKind::Workflow: return SymbolKind::Class;  // a container of steps
    case analysis::SymbolKind::Step: return SymbolKind::Event;
    case analysis::SymbolKind::Fn: return SymbolKind::Function;
    case analysis::SymbolKind::Script: return SymbolKind::Object;
    case analysis::SymbolKind::Library: return SymbolKind::Package;
    case analysis::SymbolKind::Type: return SymbolKind::Struct;
    case analysis::SymbolKind::Const: return SymbolKind::Constant;
  }
  return SymbolKind::Function;
}

CompletionItemKind completion_kind_of(analysis::CompletionKind k) {
  using K = analysis::CompletionKind;
  switch (k) {
    case K::Keyword: return CompletionItemKind::Keyword;
    case K::Variable:
    case K::Parameter: return CompletionItemKind::Variable;
    case K::Constant: return CompletionItemKind::Constant;
    case K::Fn:
    case K::Builtin: return CompletionItemKind::Function;
    case K::Workflow: return CompletionItemKind::Class;
    case K::Script:
    case K::Library: return CompletionItemKind::Module;
    case K::Type: return CompletionItemKind::Struct;
    case K::Field: return CompletionItemKind::Field;
    case K::Annotation: return CompletionItemKind::Property;
  }
  return CompletionItemKind::Keyword;
}

}  // namespace

Server::Server(std::istream& in, std::ostream& out, std::string version)
    : in_(in), out_(out), version_(std::move(version)), workspace_([this](const analysis::Analysed& a) { publish(a); }) {
  // Reading from a stream tied to the output (std::cin is tied to std::cout) flushes the output
  // from this thread, outside the mutex the analysis thread writes under: every frame is flushed
  // by the write that makes it, so the tie is not needed.
  in_.tie(nullptr);
}

bool Server::output_ok() {
  std::lock_guard<std::mutex> lock(out_mutex_);
  return out_.good();
}

void Server::set_analysis_hook(std::function<void(const std::string&, int64_t)> hook) {
  workspace_.set_analysis_hook(std::move(hook));
}

int Server::run() {
  while (!exit_code_ && output_ok()) {
    // A `$/cancelRequest` is consumed by enqueue_next without joining the queue, so read until
    // something is in line.
    bool more = true;
    while (queue_.empty() && (more = enqueue_next())) {}
    if (!more) break;
    read_waiting();
    if (queue_.empty()) continue;
    const Queued next = std::move(queue_.front());
    queue_.pop_front();
    try {
      handle(next);
    } catch (const std::exception& e) {
      // The last line of defence: handlers turn their own failures into error responses.
      if (next.message.kind == Message::Kind::Request)
        send(error_response(next.message.id, ErrorCode::InternalError, e.what()));
    }
  }
  // What was analysed is published before the server stops. The end of the input without `exit`
  // counts as an exit.
  workspace_.wait_until_idle();
  return exit_code_.value_or(state_ == State::ShutDown ? 0 : 1);
}

void Server::read_waiting() {
  while (in_.good() && in_.rdbuf()->in_avail() > 0)
    if (!enqueue_next()) break;
}

bool Server::enqueue_next() {
  Frame frame = read_frame(in_);
  if (frame.status == Frame::Status::End) return false;
  Queued q;
  if (frame.status == Frame::Status::BadHeader) {
    q.message.error = ErrorCode::ParseError;
    q.message.error_message = frame.error;
    queue_.push_back(std::move(q));
    return true;
  }
  q.message = parse_message(frame.body);
  if (q.message.kind == Message::Kind::Notification && q.message.method == "$/cancelRequest") {
    // Only a request still in line can be cancelled; one already answered stays answered.
    CancelParams cancel;
    if (from_json(q.message.params, cancel))
      for (Queued& waiting : queue_)
        if (waiting.message.kind == Message::Kind::Request && waiting.message.id == cancel.id) waiting.cancelled = true;
    return true;
  }
  queue_.push_back(std::move(q));
  return true;
}

void Server::handle(const Queued& q) {
  const Message& m = q.message;
  switch (m.kind) {
    case Message::Kind::Invalid: send(error_response(m.id, m.error, m.error_message)); break;
    case Message::Kind::Response: break;  // this server sends no requests
    case Message::Kind::Notification: handle_notification(m); break;
    case Message::Kind::Request:
      if (q.cancelled) send(error_response(m.id, ErrorCode::RequestCancelled, "the request was cancelled"));
      else handle_request(m);
      break;
  }
}

void Server::handle_request(const Message& m) {
  if (state_ == State::Uninitialized && m.method != "initialize") {
    send(error_response(m.id, ErrorCode::ServerNotInitialized, "the server has not been initialized"));
    return;
  }
  if (state_ == State::ShutDown) {
    send(error_response(m.id, ErrorCode::InvalidRequest, "the server has been shut down"));
    return;
  }
  Reply reply = Failure{ErrorCode::MethodNotFound, "unknown method `" + m.method + "`"};
  try {
    if (m.method == "initialize") reply = initialize(m);
    else if (m.method == "shutdown") {
      workspace_.wait_until_idle();  // the diagnostics of the last changes come first
      state_ = State::ShutDown;
      reply = json(nullptr);
    }
    else if (m.method == "textDocument/hover") reply = hover(m);
    else if (m.method == "textDocument/definition") reply = definition(m);
    else if (m.method == "textDocument/documentSymbol") reply = document_symbols(m);
    else if (m.method == "textDocument/completion") reply = completion(m);
    else if (m.method == "textDocument/formatting") reply = formatting(m);
    else if (m.method == "textDocument/codeAction") reply = code_action(m);
    else if (m.method == "textDocument/references") reply = references(m);
    else if (m.method == "textDocument/prepareRename") reply = prepare_rename(m);
    else if (m.method == "textDocument/rename") reply = rename(m);
    else if (m.method == "textDocument/foldingRange") reply = folding_ranges(m);
    else if (m.method == "textDocument/semanticTokens/full") reply = semantic_tokens(m);
    else if (m.method == "textDocument/signatureHelp") reply = signature_help(m);
    else if (m.method == "workspace/symbol") reply = workspace_symbols(m);
  } catch (const std::exception& e) {
    reply = Failure{ErrorCode::InternalError, std::string("internal error: ") + e.what()};
  }
  if (auto* failure = std::get_if<Failure>(&reply)) send(error_response(m.id, failure->code, failure->message));
  else send(response(m.id, std::move(std::get<json>(reply))));
}

void Server::handle_notification(const Message& m) {
  if (m.method == "exit") {
    exit_code_ = state_ == State::ShutDown ? 0 : 1;
    return;
  }
  // Before `initialize` the protocol says to drop notifications; after `shutdown` only `exit` may
  // come, and nothing else is worth the work.
  if (state_ != State::Running) return;
  if (m.method == "textDocument/didOpen") did_open(m);
  else if (m.method == "textDocument/didChange") did_change(m);
  else if (m.method == "textDocument/didClose") did_close(m);
  // Anything else (`initialized`, `$/setTrace`, ...) asks nothing of this server.
}

void Server::send(const json& message) {
  const std::string body = serialize(message);
  std::lock_guard<std::mutex> lock(out_mutex_);
  write_frame(out_, body);
}

void Server::log_warning(const std::string& text) {
  send(notification("window/logMessage", {{"type", 2}, {"message", text}}));
}

// ---- requests

Server::Reply Server::initialize(const Message& m) {
  if (state_ != State::Uninitialized) return Failure{ErrorCode::InvalidRequest, "`initialize` was already received"};
  InitializeParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "`initialize` needs an object of parameters"};
  client_ = params.capabilities;
  state_ = State::Running;
  return initialize_result(version_);
}

Server::Reply Server::hover(const Message& m) {
  TextDocumentPositionParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document and a position"};
  const std::string path = path_of(params.uri);
  const auto text = workspace_.text_of(path);
  if (!text || !workspace_.is_open(path)) return json(nullptr);
  const LineIndex index(*text);
  const auto info = workspace_.hover(path, index.offset_of(params.position));
  if (!info) return json(nullptr);
  Hover h;
  h.contents.markdown = client_.hover_markdown;
  if (!info->code.empty()) h.contents.value = client_.hover_markdown ? "```wf\n" + info->code + "\n```" : info->code;
  if (!info->docs.empty()) h.contents.value += (h.contents.value.empty() ? "" : "\n\n") + info->docs;
  h.range = index.range_of(info->range);
  return to_json(h);
}

Server::Reply Server::definition(const Message& m) {
  TextDocumentPositionParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document and a position"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  const auto target = workspace_.definition(path, LineIndex(*workspace_.text_of(path)).offset_of(params.position));
  if (!target) return json(nullptr);
  // The target's file was read by the analysis just made, so its text is at hand.
  return to_json(Location{uri_of(target->path), range_in(target->path, target->range).value_or(Range{})});
}

Server::Reply Server::document_symbols(const Message& m) {
  TextDocumentParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  const std::vector<analysis::Symbol> symbols = workspace_.symbols(path);
  const LineIndex index(*workspace_.text_of(path));
  json out = json::array();
  if (client_.hierarchical_symbols) {
    auto convert = [&](auto& self, const analysis::Symbol& s) -> DocumentSymbol {
      DocumentSymbol d{s.name, s.detail, symbol_kind_of(s.kind), index.range_of(s.range), index.range_of(s.name_range), {}};
      for (const analysis::Symbol& child : s.children) d.children.push_back(self(self, child));
      return d;
    };
    for (const analysis::Symbol& s : symbols) out.push_back(to_json(convert(convert, s)));
  } else {
    auto flatten = [&](auto& self, const analysis::Symbol& s, const std::string& container) -> void {
      out.push_back(to_json(SymbolInformation{s.name, symbol_kind_of(s.kind), {params.uri, index.range_of(s.range)}, container}));
      for (const analysis::Symbol& child : s.children) self(self, child, s.name);
    };
    for (const analysis::Symbol& s : symbols) flatten(flatten, s, "");
  }
  return out;
}

Server::Reply Server::completion(const Message& m) {
  TextDocumentPositionParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document and a position"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  const uint32_t offset = LineIndex(*workspace_.text_of(path)).offset_of(params.position);
  CompletionList list;
  for (analysis::CompletionCandidate& c : workspace_.completion(path, offset)) {
    CompletionItem item{std::move(c.label), completion_kind_of(c.kind), std::move(c.detail), std::nullopt,
                        std::move(c.insert_text)};
    if (!c.docs.empty()) item.documentation = MarkupContent{client_.completion_markdown, std::move(c.docs)};
    list.items.push_back(std::move(item));
  }
  return to_json(list);
}

Server::Reply Server::formatting(const Message& m) {
  TextDocumentParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  analysis::Formatting f = workspace_.format(path);
  if (!f.ok) return Failure{ErrorCode::InternalError, f.error};
  const std::string& text = *workspace_.text_of(path);  // open: its text stays while this runs
  json edits = json::array();
  // One edit replacing the whole document: the formatter rewrites layout everywhere, and editors
  // keep the cursor sensibly across a single replacement.
  if (f.text != text)
    edits.push_back(to_json(TextEdit{LineIndex(text).range_of(SourceRange{0, static_cast<uint32_t>(text.size())}), f.text}));
  return edits;
}

Server::Reply Server::code_action(const Message& m) {
  CodeActionParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document and a range"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  const std::vector<analysis::Problem> problems = workspace_.diagnostics(path);
  const LineIndex index(*workspace_.text_of(path));
  const SourceRange asked = index.offsets_of(params.range);
  std::vector<std::shared_ptr<const std::string>> held;  // the texts the notes point into
  auto text_in = [&](const std::string& file) -> const std::string* {
    held.push_back(workspace_.text_of(file));
    return held.back().get();
  };
  json out = json::array();
  for (const analysis::Problem& p : problems) {
    if (!p.fix || p.range.end < asked.begin || asked.end < p.range.begin) continue;
    const TextEdit edit{index.range_of(p.fix->range), p.fix->replacement};
    out.push_back(to_json(CodeAction{p.fix->title, "quickfix", {diagnostic_of(p, index, text_in)},
                                     workspace_edit({{params.uri, {edit}}})}));
  }
  return out;
}

Server::Reply Server::references(const Message& m) {
  ReferenceParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document and a position"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  const uint32_t offset = LineIndex(*workspace_.text_of(path)).offset_of(params.position);
  json out = json::array();
  for (const analysis::FileRange& r : workspace_.references(path, offset, params.include_declaration))
    if (auto range = range_in(r.path, r.range)) out.push_back(to_json(Location{uri_of(r.path), *range}));
  return out;
}

Server::Reply Server::prepare_rename(const Message& m) {
  TextDocumentPositionParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document and a position"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  const LineIndex index(*workspace_.text_of(path));
  const analysis::Renaming r = workspace_.prepare_rename(path, index.offset_of(params.position));
  if (!r.error.empty()) return Failure{ErrorCode::RequestFailed, r.error};
  return json{{"range", to_json(index.range_of(r.range))}, {"placeholder", r.name}};
}

Server::Reply Server::rename(const Message& m) {
  RenameParams params;
  if (!from_json(m.params, params))
    return Failure{ErrorCode::InvalidParams, "expected a text document, a position and a new name"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  const uint32_t offset = LineIndex(*workspace_.text_of(path)).offset_of(params.position);
  const analysis::Renaming r = workspace_.rename(path, offset, params.new_name);
  if (!r.error.empty()) return Failure{ErrorCode::RequestFailed, r.error};
  // Occurrences come sorted by path, so each file's edits are contiguous.
  std::vector<std::pair<std::string, std::vector<TextEdit>>> changes;
  std::string last_path;
  for (const analysis::FileRange& occurrence : r.occurrences) {
    const auto range = range_in(occurrence.path, occurrence.range);
    if (!range) continue;
    if (changes.empty() || occurrence.path != last_path) changes.push_back({uri_of(occurrence.path), {}});
    last_path = occurrence.path;
    changes.back().second.push_back(TextEdit{*range, params.new_name});
  }
  return workspace_edit(changes);
}

Server::Reply Server::folding_ranges(const Message& m) {
  TextDocumentParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  const std::vector<analysis::Fold> folds = workspace_.folds(path);
  const LineIndex index(*workspace_.text_of(path));
  json out = json::array();
  uint32_t last_start = UINT32_MAX;
  for (const analysis::Fold& f : folds) {
    // Lines are all an editor folds by, and it keeps one fold per starting line: the outermost,
    // which comes first.
    const uint32_t start = index.position_of(f.range.begin).line;
    const uint32_t end = index.position_of(f.range.end > 0 ? f.range.end - 1 : 0).line;
    if (end <= start || start == last_start) continue;
    last_start = start;
    json fold = {{"startLine", start}, {"endLine", end}};
    if (f.kind == analysis::Fold::Kind::Comment) fold["kind"] = "comment";
    out.push_back(std::move(fold));
  }
  return out;
}

Server::Reply Server::semantic_tokens(const Message& m) {
  TextDocumentParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  const std::vector<analysis::SemanticToken> tokens = workspace_.semantic_tokens(path);
  const std::string& text = *workspace_.text_of(path);
  const LineIndex index(text);
  // Five numbers a token: line and start relative to the previous token's, length, type,
  // modifiers. Clients need not support multi-line tokens, so one that spans lines goes out as
  // one token per line.
  std::vector<uint32_t> data;
  Position previous{0, 0};
  auto emit = [&](uint32_t begin, uint32_t end, uint32_t type) {
    const Position start = index.position_of(begin), stop = index.position_of(end);
    if (stop.line != start.line || stop.character <= start.character) return;
    data.push_back(start.line - previous.line);
    data.push_back(start.line == previous.line ? start.character - previous.character : start.character);
    data.push_back(stop.character - start.character);
    data.push_back(type);
    data.push_back(0);
    previous = start;
  };
  for (const analysis::SemanticToken& t : tokens) {
    const auto type = static_cast<uint32_t>(t.type);
    uint32_t begin = t.range.begin;
    while (begin < t.range.end) {
      size_t eol = text.find_first_of("\r\n", begin);
      const uint32_t end = eol == std::string::npos || eol >= t.range.end ? t.range.end : static_cast<uint32_t>(eol);
      emit(begin, end, type);
      if (end >= t.range.end) break;
      begin = end + 1;
      if (text[end] == '\r' && begin < text.size() && text[begin] == '\n') ++begin;
      while (begin < t.range.end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;  // indentation is not the token
    }
  }
  return json{{"data", data}};
}

Server::Reply Server::signature_help(const Message& m) {
  TextDocumentPositionParams params;
  if (!from_json(m.params, params)) return Failure{ErrorCode::InvalidParams, "expected a text document and a position"};
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return json(nullptr);
  const uint32_t offset = LineIndex(*workspace_.text_of(path)).offset_of(params.position);
  const std::optional<analysis::SignatureHelp> help = workspace_.signature_help(path, offset);
  if (!help) return json(nullptr);
  json signatures = json::array();
  for (const analysis::SignatureInfo& s : help->signatures) {
    json parameters = json::array();
    // Labels as strings, which the client finds in the signature's label: no offsets to convert.
    for (const std::string& p : s.params) parameters.push_back({{"label", p}});
    json signature = {{"label", s.label}, {"parameters", std::move(parameters)}};
    if (!s.docs.empty()) signature["documentation"] = to_json(MarkupContent{client_.hover_markdown, s.docs});
    signatures.push_back(std::move(signature));
  }
  return json{{"signatures", std::move(signatures)},
              {"activeSignature", help->active_signature},
              {"activeParameter", help->active_parameter}};
}

Server::Reply Server::workspace_symbols(const Message& m) {
  if (!m.params.is_object()) return Failure{ErrorCode::InvalidParams, "expected a query"};
  const auto query = m.params.find("query");
  if (query == m.params.end() || !query->is_string()) return Failure{ErrorCode::InvalidParams, "expected a query"};
  json out = json::array();
  for (const analysis::WorkspaceSymbol& w : workspace_.workspace_symbols(query->get<std::string>()))
    if (auto range = range_in(w.path, w.symbol.range))
      out.push_back(to_json(SymbolInformation{w.symbol.name, symbol_kind_of(w.symbol.kind), {uri_of(w.path), *range}, w.container}));
  return out;
}

// ---- notifications

void Server::did_open(const Message& m) {
  DidOpenTextDocumentParams params;
  if (!from_json(m.params, params)) return log_warning("ignored a malformed textDocument/didOpen");
  const TextDocumentItem& doc = params.text_document;
  const std::string path = path_of(doc.uri);
  {
    std::lock_guard<std::mutex> lock(uris_mutex_);
    uris_[path] = doc.uri;
  }
  workspace_.open(path, doc.text, doc.version);  // its diagnostics come when it is analysed
}

void Server::did_change(const Message& m) {
  DidChangeTextDocumentParams params;
  if (!from_json(m.params, params)) return log_warning("ignored a malformed textDocument/didChange");
  const std::string path = path_of(params.uri);
  if (!workspace_.is_open(path)) return log_warning("ignored a change to a document that is not open: " + params.uri);
  for (const TextDocumentContentChangeEvent& change : params.content_changes) {
    // Each change's range is in the text the previous change left.
    const std::string& text = *workspace_.text_of(path);
    const SourceRange range = change.range ? LineIndex(text).offsets_of(*change.range)
                                           : SourceRange{0, static_cast<uint32_t>(text.size())};
    workspace_.edit(path, range, change.text);
  }
  workspace_.set_version(path, params.version);  // analysed in the background, then published
}

void Server::did_close(const Message& m) {
  TextDocumentParams params;
  if (!from_json(m.params, params)) return log_warning("ignored a malformed textDocument/didClose");
  const std::string path = path_of(params.uri);
  workspace_.close(path);  // nothing about it is published after this
  {
    std::lock_guard<std::mutex> lock(uris_mutex_);
    uris_.erase(path);
  }
  // The document's problems leave the editor's list with it.
  send(notification("textDocument/publishDiagnostics", to_json(PublishDiagnosticsParams{params.uri, std::nullopt, {}})));
}

void Server::publish(const analysis::Analysed& analysed) {
  const LineIndex index(analysed.text);
  PublishDiagnosticsParams params{uri_of(analysed.path), analysed.version, {}};
  for (const analysis::Problem& p : analysed.problems) params.diagnostics.push_back(diagnostic_of(p, index, analysed.text_of));
  send(notification("textDocument/publishDiagnostics", to_json(params)));
}

Diagnostic Server::diagnostic_of(const analysis::Problem& p, const LineIndex& index,
                                 const std::function<const std::string*(const std::string&)>& text_of) const {
  Diagnostic d{index.range_of(p.range), severity_of(p.severity), p.code, p.message, {}, p.unnecessary};
  for (const analysis::ProblemNote& note : p.notes)
    if (const std::string* text = text_of(note.where.path))
      d.related.push_back({Location{uri_of(note.where.path), LineIndex(*text).range_of(note.where.range)}, note.message});
  return d;
}

// ---- names and ranges

std::string Server::path_of(const std::string& uri) const { return path_from_uri(uri).value_or(uri); }

std::string Server::uri_of(const std::string& path) const {
  {
    std::lock_guard<std::mutex> lock(uris_mutex_);
    if (auto it = uris_.find(path); it != uris_.end()) return it->second;
  }
  return !path.empty() && path.front() == '/' ? uri_from_path(path) : path;
}

std::optional<Range> Server::range_in(const std::string& path, SourceRange range) const {
  const auto text = workspace_.text_of(path);
  if (!text) return std::nullopt;
  return LineIndex(*text).range_of(range);
}

}  // namespace wf::lsp

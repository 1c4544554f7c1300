// JSON conversions of the LSP structures (see protocol.h). Readers check each member's type
// before reading it: nlohmann's accessors throw on a mismatch, and nothing may throw here.
#include "protocol/protocol.h"

namespace wf::lsp {

namespace {

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

bool read(const json& j, const char* key, std::string& out) {
  const json* m = member(j, key);
  if (!m || !m->is_string()) return false;
  out = m->get<std::string>();
  return true;
}

bool read(const json& j, const char* key, int64_t& out) {
  const json* m = member(j, key);
  if (!m || !m->is_number_integer()) return false;
  out = m->get<int64_t>();
  return true;
}

bool read(const json& j, const char* key, uint32_t& out) {
  const json* m = member(j, key);
  if (!m || !m->is_number_integer()) return false;
  const int64_t v = m->get<int64_t>();
  if (v < 0 || v > static_cast<int64_t>(UINT32_MAX)) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

bool read_flag(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path)
    if (!(at = member(*at, key))) return false;
  return at->is_boolean() && at->get<bool>();
}

bool has_markdown(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path)
    if (!(at = member(*at, key))) return false;
  if (!at->is_array()) return false;
  for (const json& kind : *at)
    if (kind == "markdown") return true;
  return false;
}

bool read_document_uri(const json& j, std::string& uri) {
  const json* doc = member(j, "textDocument");
  return doc && read(*doc, "uri", uri);
}

}  // namespace

bool from_json(const json& j, Position& out) { return read(j, "line", out.line) && read(j, "character", out.character); }

json to_json(const Position& p) { return {{"line", p.line}, {"character", p.character}}; }

bool from_json(const json& j, Range& out) {
  const json* start = member(j, "start");
  const json* end = member(j, "end");
  return start && end && from_json(*start, out.start) && from_json(*end, out.end);
}

json to_json(const Range& r) { return {{"start", to_json(r.start)}, {"end", to_json(r.end)}}; }

json to_json(const Location& l) { return {{"uri", l.uri}, {"range", to_json(l.range)}}; }

bool from_json(const json& j, InitializeParams& out) {
  if (!j.is_object()) return false;
  const json* caps = member(j, "capabilities");
  if (!caps) return true;  // required by the protocol, but nothing here depends on it
  out.capabilities.hover_markdown = has_markdown(*caps, {"textDocument", "hover", "contentFormat"});
  out.capabilities.completion_markdown =
      has_markdown(*caps, {"textDocument", "completion", "completionItem", "documentationFormat"});
  out.capabilities.hierarchical_symbols =
      read_flag(*caps, {"textDocument", "documentSymbol", "hierarchicalDocumentSymbolSupport"});
  return true;
}

bool from_json(const json& j, DidOpenTextDocumentParams& out) {
  const json* doc = member(j, "textDocument");
  if (!doc) return false;
  TextDocumentItem& item = out.text_document;
  read(*doc, "languageId", item.language_id);
  return read(*doc, "uri", item.uri) && read(*doc, "version", item.version) && read(*doc, "text", item.text);
}

bool from_json(const json& j, DidChangeTextDocumentParams& out) {
  const json* doc = member(j, "textDocument");
  const json* changes = member(j, "contentChanges");
  if (!doc || !changes || !changes->is_array()) return false;
  if (!read(*doc, "uri", out.uri) || !read(*doc, "version", out.version)) return false;
  for (const json& c : *changes) {
    TextDocumentContentChangeEvent change;
    if (!read(c, "text", change.text)) return false;
    if (const json* range = member(c, "range")) {
      Range r;
      if (!from_json(*range, r)) return false;
      change.range = r;
    }
    out.content_changes.push_back(std::move(change));
  }
  return true;
}

bool from_json(const json& j, TextDocumentParams& out) { return read_document_uri(j, out.uri); }

bool from_json(const json& j, TextDocumentPositionParams& out) {
  const json* position = member(j, "position");
  return read_document_uri(j, out.uri) && position && from_json(*position, out.position);
}

bool from_json(const json& j, CodeActionParams& out) {
  const json* range = member(j, "range");
  return read_document_uri(j, out.uri) && range && from_json(*range, out.range);
}

bool from_json(const json& j, ReferenceParams& out) {
  const json* position = member(j, "position");
  if (!read_document_uri(j, out.uri) || !position || !from_json(*position, out.position)) return false;
  out.include_declaration = read_flag(j, {"context", "includeDeclaration"});
  return true;
}

bool from_json(const json& j, RenameParams& out) {
  const json* position = member(j, "position");
  return read_document_uri(j, out.uri) && position && from_json(*position, out.position) &&
         read(j, "newName", out.new_name);
}

bool from_json(const json& j, CancelParams& out) {
  const json* id = member(j, "id");
  if (!id || !(id->is_number_integer() || id->is_string())) return false;
  out.id = *id;
  return true;
}

json to_json(const Diagnostic& d) {
  json out = {{"range", to_json(d.range)},
              {"severity", static_cast<int>(d.severity)},
              {"code", d.code},
              {"source", "wf"},
              {"message", d.message}};
  if (!d.related.empty()) {
    json related = json::array();
    for (const DiagnosticRelatedInformation& r : d.related)
      related.push_back({{"location", to_json(r.location)}, {"message", r.message}});
    out["relatedInformation"] = std::move(related);
  }
  if (d.unnecessary) out["tags"] = json::array({1});
  return out;
}

json to_json(const PublishDiagnosticsParams& p) {
  json diagnostics = json::array();
  for (const Diagnostic& d : p.diagnostics) diagnostics.push_back(to_json(d));
  json out = {{"uri", p.uri}, {"diagnostics", std::move(diagnostics)}};
  if (p.version) out["version"] = *p.version;
  return out;
}

json to_json(const MarkupContent& m) { return {{"kind", m.markdown ? "markdown" : "plaintext"}, {"value", m.value}}; }

json to_json(const Hover& h) {
  json out = {{"contents", to_json(h.contents)}};
  if (h.range) out["range"] = to_json(*h.range);
  return out;
}

json to_json(const DocumentSymbol& s) {
  json children = json::array();
  for (const DocumentSymbol& c : s.children) children.push_back(to_json(c));
  return {{"name", s.name},
          {"detail", s.detail},
          {"kind", static_cast<int>(s.kind)},
          {"range", to_json(s.range)},
          {"selectionRange", to_json(s.selection_range)},
          {"children", std::move(children)}};
}

json to_json(const SymbolInformation& s) {
  json out = {{"name", s.name}, {"kind", static_cast<int>(s.kind)}, {"location", to_json(s.location)}};
  if (!s.container_name.empty()) out["containerName"] = s.container_name;
  return out;
}

json to_json(const CompletionItem& c) {
  json out = {{"label", c.label}, {"kind", static_cast<int>(c.kind)}};
  if (!c.detail.empty()) out["detail"] = c.detail;
  if (c.documentation) out["documentation"] = to_json(*c.documentation);
  if (!c.insert_text.empty()) out["insertText"] = c.insert_text;
  return out;
}

json to_json(const CompletionList& l) {
  json items = json::array();
  for (const CompletionItem& c : l.items) items.push_back(to_json(c));
  return {{"isIncomplete", l.is_incomplete}, {"items", std::move(items)}};
}

json to_json(const TextEdit& e) { return {{"range", to_json(e.range)}, {"newText", e.new_text}}; }

json workspace_edit(const std::vector<std::pair<std::string, std::vector<TextEdit>>>& changes) {
  json out = json::object();
  for (const auto& [uri, edits] : changes) {
    json list = json::array();
    for (const TextEdit& e : edits) list.push_back(to_json(e));
    out[uri] = std::move(list);
  }
  return {{"changes", std::move(out)}};
}

json to_json(const CodeAction& a) {
  json diagnostics = json::array();
  for (const Diagnostic& d : a.diagnostics) diagnostics.push_back(to_json(d));
  return {{"title", a.title}, {"kind", a.kind}, {"diagnostics", std::move(diagnostics)}, {"edit", a.edit}};
}

const std::vector<std::string>& semantic_token_legend() {
  // Annotations read as macros and job kinds as enum members: the nearest of the standard types,
  // which every theme colours.
  static const std::vector<std::string> legend = {"keyword", "variable", "parameter", "function", "type", "string",
                                                  "number", "comment", "property", "macro", "enumMember"};
  return legend;
}

json initialize_result(std::string_view server_version) {
  return {
      {"capabilities",
       {
           {"positionEncoding", "utf-16"},
           // 2: incremental; each change carries the document's new version.
           {"textDocumentSync", {{"openClose", true}, {"change", 2}}},
           {"hoverProvider", true},
           {"definitionProvider", true},
           {"documentSymbolProvider", true},
           {"completionProvider", {{"triggerCharacters", json::array({".", "@"})}, {"resolveProvider", false}}},
           {"documentFormattingProvider", true},
           {"codeActionProvider", {{"codeActionKinds", json::array({"quickfix"})}}},
           {"referencesProvider", true},
           {"renameProvider", {{"prepareProvider", true}}},
           {"foldingRangeProvider", true},
           {"semanticTokensProvider",
            {{"legend", {{"tokenTypes", semantic_token_legend()}, {"tokenModifiers", json::array()}}}, {"full", true}}},
           {"signatureHelpProvider", {{"triggerCharacters", json::array({"(", ","})}}},
           {"workspaceSymbolProvider", true},
       }},
      {"serverInfo", {{"name", "wf"}, {"version", std::string(server_version)}}},
  };
}

}  // namespace wf::lsp

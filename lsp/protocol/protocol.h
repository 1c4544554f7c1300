// The LSP 3.17 structures this server reads and writes, each with its JSON conversion, all in
// this one file. `from_json` never throws: it returns false when a required member is missing or
// of the wrong type (the server answers InvalidParams), and ignores members it does not know.
// Positions here are the protocol's: zero-based lines and UTF-16 code units (positions.h converts).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace wf::lsp {

using nlohmann::json;

struct Position {
  uint32_t line = 0;
  uint32_t character = 0;  // UTF-16 code units
  bool operator==(const Position&) const = default;
};
bool from_json(const json& j, Position& out);
json to_json(const Position& p);

struct Range {
  Position start, end;
  bool operator==(const Range&) const = default;
};
bool from_json(const json& j, Range& out);
json to_json(const Range& r);

struct Location {
  std::string uri;
  Range range;
};
json to_json(const Location& l);

// ---- client → server

// What the client said it can show, from `initialize`.
struct ClientCapabilities {
  bool hover_markdown = false;
  bool completion_markdown = false;
  bool hierarchical_symbols = false;
};

struct InitializeParams {
  ClientCapabilities capabilities;
};
bool from_json(const json& j, InitializeParams& out);

struct TextDocumentItem {
  std::string uri;
  std::string language_id;
  int64_t version = 0;
  std::string text;
};
struct DidOpenTextDocumentParams {
  TextDocumentItem text_document;
};
bool from_json(const json& j, DidOpenTextDocumentParams& out);

struct TextDocumentContentChangeEvent {
  std::optional<Range> range;  // none: `text` is the whole document
  std::string text;
};
struct DidChangeTextDocumentParams {
  std::string uri;
  int64_t version = 0;
  std::vector<TextDocumentContentChangeEvent> content_changes;
};
bool from_json(const json& j, DidChangeTextDocumentParams& out);

// `textDocument/didClose` and `textDocument/documentSymbol` name only the document.
struct TextDocumentParams {
  std::string uri;
};
bool from_json(const json& j, TextDocumentParams& out);

// `textDocument/hover`, `definition` and `completion`.
struct TextDocumentPositionParams {
  std::string uri;
  Position position;
};
bool from_json(const json& j, TextDocumentPositionParams& out);

// `textDocument/codeAction`: the range the editor asks about (its `context` is not needed: the
// server attaches its own diagnostics).
struct CodeActionParams {
  std::string uri;
  Range range;
};
bool from_json(const json& j, CodeActionParams& out);

struct ReferenceParams {
  std::string uri;
  Position position;
  bool include_declaration = false;
};
bool from_json(const json& j, ReferenceParams& out);

struct RenameParams {
  std::string uri;
  Position position;
  std::string new_name;
};
bool from_json(const json& j, RenameParams& out);

struct CancelParams {
  json id;
};
bool from_json(const json& j, CancelParams& out);

// ---- server → client

enum class DiagnosticSeverity { Error = 1, Warning = 2, Information = 3, Hint = 4 };

struct DiagnosticRelatedInformation {
  Location location;
  std::string message;
};

struct Diagnostic {
  Range range;
  DiagnosticSeverity severity = DiagnosticSeverity::Error;
  std::string code;
  std::string message;
  std::vector<DiagnosticRelatedInformation> related;
  bool unnecessary = false;  // DiagnosticTag.Unnecessary
};
json to_json(const Diagnostic& d);

struct PublishDiagnosticsParams {
  std::string uri;
  std::optional<int64_t> version;
  std::vector<Diagnostic> diagnostics;
};
json to_json(const PublishDiagnosticsParams& p);

struct MarkupContent {
  bool markdown = true;  // else plaintext
  std::string value;
};
json to_json(const MarkupContent& m);

struct Hover {
  MarkupContent contents;
  std::optional<Range> range;
};
json to_json(const Hover& h);

// The SymbolKind numbers of the LSP that wf's declarations map to.
enum class SymbolKind { Package = 4, Class = 5, Function = 12, Constant = 14, Object = 19, Struct = 23, Event = 24 };

struct DocumentSymbol {
  std::string name;
  std::string detail;
  SymbolKind kind = SymbolKind::Function;
  Range range;
  Range selection_range;
  std::vector<DocumentSymbol> children;
};
json to_json(const DocumentSymbol& s);

// The flat form, for clients without hierarchical symbol support.
struct SymbolInformation {
  std::string name;
  SymbolKind kind = SymbolKind::Function;
  Location location;
  std::string container_name;
};
json to_json(const SymbolInformation& s);

// The CompletionItemKind numbers of the LSP that wf's candidates map to.
enum class CompletionItemKind { Function = 3, Field = 5, Variable = 6, Class = 7, Module = 9, Property = 10,
                                Keyword = 14, Constant = 21, Struct = 22 };

struct CompletionItem {
  std::string label;
  CompletionItemKind kind = CompletionItemKind::Keyword;
  std::string detail;
  std::optional<MarkupContent> documentation;
  std::string insert_text;  // empty: the label
};
json to_json(const CompletionItem& c);

struct CompletionList {
  bool is_incomplete = false;
  std::vector<CompletionItem> items;
};
json to_json(const CompletionList& l);

struct TextEdit {
  Range range;
  std::string new_text;
};
json to_json(const TextEdit& e);

// A WorkspaceEdit in its `changes` form: per document URI, edits that do not overlap.
json workspace_edit(const std::vector<std::pair<std::string, std::vector<TextEdit>>>& changes);

struct CodeAction {
  std::string title;
  std::string kind;  // "quickfix"
  std::vector<Diagnostic> diagnostics;
  json edit;  // a WorkspaceEdit
};
json to_json(const CodeAction& a);

// The semantic token types this server reports, in the order of analysis::TokenType.
const std::vector<std::string>& semantic_token_legend();

// The answer to `initialize`: what this server really does.
json initialize_result(std::string_view server_version);

}  // namespace wf::lsp

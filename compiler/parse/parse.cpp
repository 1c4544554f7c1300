// Runs the generated lexer and parser over one file: SLL prediction first (fast, and enough for
// correct files), falling back to full LL with error recovery when SLL fails, so a broken file
// gets precise errors and still yields a tree. Syntax errors become E0001 diagnostics.
#include "parse/parse.h"

#include <fmt/format.h>


#include <cctype>
#include <functional>

#include "WfLexer.h"
#include "WfParser.h"
#include "antlr4-runtime.h"
#include "parse/decl_reparse.h"
#include "parse/newline_filter.h"
#include "parse/transformer.h"
#include "parse/large_stack.h"
#include "parse/memo_token_source.h"
#include "parse/token_memo.h"
#include "parse/sll_only.h"
#include "parse/two_stage.h"
#include "source/utf8.h"

namespace wf {

namespace {

using wfgen::WfLexer;
using wfgen::WfParser;

// How a token is named in messages: its text in backticks, or a word for the invisible ones.
std::string describe(antlr4::Token* t) {
  if (!t) return "end of file";
  switch (t->getType()) {
    case antlr4::Token::EOF: return "end of file";
    case WfLexer::NL: return "end of line";
    case WfLexer::STR_UNTERMINATED: return "end of line inside a string";
    default: return fmt::format("`{}`", t->getText());
  }
}

std::string describe_expected(const antlr4::misc::IntervalSet& expected, const antlr4::dfa::Vocabulary& vocab) {
  // Long lists help nobody; name the expected tokens only when there are a few.
  if (expected.size() == 0 || expected.size() > 4) return {};
  std::string out;
  const auto values = expected.toList();
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += i + 1 == values.size() ? " or " : ", ";
    const size_t type = static_cast<size_t>(values[i]);
    if (type == antlr4::Token::EOF) out += "end of file";
    else if (type == WfLexer::NL) out += "end of line";
    else {
      std::string name = vocab.getLiteralName(type);
      if (name.size() >= 2 && name.front() == '\'') name = fmt::format("`{}`", name.substr(1, name.size() - 2));
      else name = vocab.getSymbolicName(type) == "ID" ? "a name" : std::string(vocab.getDisplayName(type));
      out += name;
    }
  }
  return out;
}

// A keyword the lexer made of a word (`step`, `if`), as opposed to punctuation or a literal.
bool is_reserved_word(antlr4::Token* t, const antlr4::dfa::Vocabulary& vocab) {
  if (!t || t->getType() == antlr4::Token::EOF || t->getType() == WfLexer::ID) return false;
  const std::string literal = vocab.getLiteralName(t->getType());
  if (literal.size() < 3 || literal.front() != '\'') return false;
  for (size_t i = 1; i + 1 < literal.size(); ++i)
    if (!std::isalpha(static_cast<unsigned char>(literal[i])) && literal[i] != '_') return false;
  return true;
}

// Where the parser wants a name but not an expression (`let _`, a parameter, `for _ in`, `fn _`),
// a keyword there was meant as a name. Where any expression could go, the name is not the point.
bool expects_a_new_name(const antlr4::misc::IntervalSet& expected) {
  return expected.contains(static_cast<size_t>(WfLexer::ID)) && !expected.contains(static_cast<size_t>(WfLexer::INT));
}

class SyntaxErrorListener : public antlr4::BaseErrorListener {
 public:
  SyntaxErrorListener(const SourceFile& source, uint32_t file, DiagnosticSink& sink,
                      const std::vector<uint32_t>& code_point_bytes)
      : source_(source), file_(file), sink_(sink), bytes_(code_point_bytes) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line, size_t column,
                   const std::string& antlr_message, std::exception_ptr) override {
    SourceRange where;
    std::string message;
    if (offending) {
      where = {offset(offending->getStartIndex()), offset(offending->getStopIndex() + 1)};
      if (offending->getType() == antlr4::Token::EOF) where = {where.begin, where.begin};
      auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
      std::string expected;
      if (parser) expected = describe_expected(parser->getExpectedTokens(), parser->getVocabulary());
      if (parser && is_reserved_word(offending, parser->getVocabulary()) && expects_a_new_name(parser->getExpectedTokens()))
        message = fmt::format("`{}` is a keyword here; rename it", offending->getText());
      else if (antlr_message.rfind("missing ", 0) == 0 && !expected.empty())
        message = fmt::format("expected {} before {}", expected, describe(offending));
      else {
        message = "unexpected " + describe(offending);
        if (!expected.empty()) message += ", expected " + expected;
      }
    } else {
      // A lexer error: the message names the text it could not match.
      const uint32_t begin = line_column_offset(line, column);
      where = {begin, std::min<uint32_t>(begin + 1, source_.text().size())};
      message = "unexpected character";
    }
    // One error per place: recovery can trip over the same token twice.
    if (!sink_.all().empty()) {
      const Diagnostic& last = sink_.all().back();
      if (last.code == DiagCode::SyntaxError && last.where.file == file_ && last.where.range.begin == where.begin) return;
    }
    sink_.report(DiagCode::SyntaxError, Location{file_, where}, message);
  }

 private:
  uint32_t offset(size_t index) const {
    if (bytes_.empty()) return static_cast<uint32_t>(std::min(index, source_.text().size()));
    return index < bytes_.size() ? bytes_[index] : bytes_.back();
  }
  uint32_t line_column_offset(size_t line, size_t column) const {
    if (line == 0 || line > source_.line_count()) return static_cast<uint32_t>(source_.text().size());
    uint32_t at = source_.line_start(static_cast<uint32_t>(line));
    for (size_t c = 0; c < column && at < source_.text().size(); ++c) {
      ++at;
      while (at < source_.text().size() && (static_cast<unsigned char>(source_.text()[at]) & 0xC0) == 0x80) ++at;
    }
    return at;
  }

  const SourceFile& source_;
  uint32_t file_;
  DiagnosticSink& sink_;
  const std::vector<uint32_t>& bytes_;
};

std::vector<uint32_t> code_point_offsets(const std::string& text) {
  std::vector<uint32_t> out;
  bool ascii = true;
  for (unsigned char c : text)
    if (c >= 0x80) { ascii = false; break; }
  if (ascii) return out;
  for (uint32_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) out.push_back(i);
  out.push_back(static_cast<uint32_t>(text.size()));
  return out;
}

// The parser, the transformer and the checker recurse once per nesting level. Real workflows
// nest a few levels; a hostile or generated file with thousands would exhaust the stack, so
// nesting beyond this limit is refused as a syntax error before any parsing.
constexpr int kMaxNesting = 256;

// Finds where the nesting of brackets and prefix operators first exceeds kMaxNesting, skipping
// comments and string contents roughly (an approximation is enough for a guard). Returns the byte
// offset, or -1 when the file is within the limit.
long first_too_deep(const std::string& text) {
  int depth = 0, prefix_run = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      else if (c == '\n') in_string = false;  // an unterminated string ends at the line
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '"') { in_string = true; prefix_run = 0; continue; }
    if (c == '(' || c == '[' || c == '{') ++depth;
    else if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    if (c == '-') {
      ++prefix_run;
    } else if (text.compare(i, 4, "not ") == 0 && (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])))) {
      ++prefix_run;
      i += 3;
    } else if (c != ' ' && c != '\t') {
      prefix_run = 0;  // an operand: a run of prefix operators ends
    }
    if (depth + prefix_run > kMaxNesting) return static_cast<long>(i);
  }
  return -1;
}

// ANTLR's input stream throws on invalid UTF-8. Each invalid byte is replaced by `?` in the text
// the lexer sees (so every offset still matches the file) and reported once per line.
std::string sanitize_utf8(const SourceFile& source, uint32_t file, DiagnosticSink& sink) {
  std::string text = source.text();
  uint32_t reported_line = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_sequence_length(text, i);
    if (n > 0) {
      i += n;
      continue;
    }
    const uint32_t line = source.position(static_cast<uint32_t>(i)).line;
    if (line != reported_line) {
      reported_line = line;
      sink.report(DiagCode::SyntaxError, Location{file, {static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1)}},
                  fmt::format("invalid UTF-8 byte 0x{:02X}; wf source files are UTF-8", static_cast<unsigned char>(text[i])));
    }
    text[i] = '?';
    ++i;
  }
  return text;
}

std::unique_ptr<Module> parse_on_this_stack(const SourceFile& source, uint32_t file_index, DiagnosticSink& sink,
                                            TokenMemo* memo, bool sll_only);

}  // namespace

std::unique_ptr<Module> parse_module(const SourceFile& source, uint32_t file_index, DiagnosticSink& sink) {
  if (const long at = first_too_deep(source.text()); at >= 0) {
    const uint32_t offset = static_cast<uint32_t>(at);
    sink.report(DiagCode::SyntaxError, Location{file_index, {offset, offset + 1}},
                "nesting is deeper than " + std::to_string(kMaxNesting) + " levels; split this into smaller pieces");
    auto empty = std::make_unique<Module>();
    empty->file = file_index;
    return empty;
  }
  std::unique_ptr<Module> module;
  TokenMemo* memo = TokenMemoScope::current();  // the scopes are this thread's, not the large stack's
  const bool sll_only = SllOnlyScope::active();
  run_on_large_stack([&] { module = parse_on_this_stack(source, file_index, sink, memo, sll_only); });
  return module;
}

namespace {

// The newline filter, the parser and the transformer, over the lexer's tokens however they come.
// With `keep`, the parser (which owns the tree) and the tokens are handed to the caller rather
// than freed here.
// With `first_tokens`, the type of each top-level declaration's first token is appended to it.
std::unique_ptr<Module> parse_tokens_of(antlr4::TokenSource& lexed, const SourceFile& source, uint32_t file_index,
                                        DiagnosticSink& sink, SyntaxErrorListener& listener,
                                        std::shared_ptr<void>* keep = nullptr,
                                        std::vector<size_t>* first_tokens = nullptr, bool sll_only = false) {
  struct Pipeline {
    explicit Pipeline(antlr4::TokenSource& lexed) : filter(lexed), tokens(&filter), parser(&tokens) {}
    NewlineFilter filter;
    antlr4::CommonTokenStream tokens;
    WfParser parser;
  };
  auto pipeline = std::make_shared<Pipeline>(lexed);
  WfParser::ModuleContext* tree = parse_two_stage(pipeline->parser, pipeline->tokens, listener, sll_only);
  pipeline->parser.removeErrorListeners();  // the listener lives on the caller's stack
  Transformer transformer(source, file_index, sink, pipeline->tokens);
  std::unique_ptr<Module> module = transformer.module(tree);
  if (first_tokens && tree)
    for (auto* d : tree->topDecl()) first_tokens->push_back(d->getStart() ? d->getStart()->getType() : 0);
  if (keep) *keep = std::move(pipeline);
  return module;
}

// A text parsed alone with a lexer of its own: what decl_reparse.h parses an edited declaration
// with.
WholeParse parse_alone(const SourceFile& source, DiagnosticSink& sink) {
  WholeParse out;
  std::string text = sanitize_utf8(source, 0, sink);
  const std::vector<uint32_t> bytes = code_point_offsets(text);
  SyntaxErrorListener listener(source, 0, sink, bytes);
  antlr4::ANTLRInputStream input(text);
  WfLexer lexer(&input);
  lexer.removeErrorListeners();
  lexer.addErrorListener(&listener);
  out.module = parse_tokens_of(lexer, source, 0, sink, listener, nullptr, &out.first_tokens);
  out.lexer_ended_clean = lexer.modeStack.empty() && lexer.mode == antlr4::Lexer::DEFAULT_MODE &&
                          lexer.interpolationBraces.empty() && input.index() == input.size();
  lexer.removeErrorListeners();
  return out;
}

std::unique_ptr<Module> parse_on_this_stack(const SourceFile& source, uint32_t file_index, DiagnosticSink& sink,
                                            TokenMemo* memo, bool sll_only) {
  if (memo && memo->files().reparse_declarations) {
    // A file parsed cleanly before and edited inside one declaration: only that one is parsed.
    TokenMemo::Files& files = memo->files();
    if (const auto known = files.modules.find(source.path()); known != files.modules.end()) {
      const bool same_text = known->second->text == source.text();
      if (auto module = reparse_declaration(*known->second, source, file_index, parse_alone)) {
        ++(same_text ? files.reuse.modules_copied : files.reuse.declarations_reparsed);
        return module;
      }
    }
  }
  if (memo) ++memo->files().reuse.whole_parses;
  const size_t reported_before = sink.all().size();
  std::string text = sanitize_utf8(source, file_index, sink);
  const std::vector<uint32_t> bytes = code_point_offsets(text);
  SyntaxErrorListener listener(source, file_index, sink, bytes);
  if (!memo) {
    antlr4::ANTLRInputStream input(text);
    WfLexer lexer(&input);
    lexer.removeErrorListeners();
    lexer.addErrorListener(&listener);
    return parse_tokens_of(lexer, source, file_index, sink, listener, nullptr, nullptr, sll_only);
  }
  // A file remembered from an earlier parse is lexed again only around what changed.
  auto& entries = memo->files().entries;
  const auto known = entries.find(source.path());
  struct Run {  // the pipeline, on the heap so that the memo can keep it (keep_leftovers)
    Run(const std::string& text, const MemoEntry* previous)
        : input(text), lexer(&input), lexed(lexer, input, text, previous), watch(lexed) {}
    TrackingInputStream input;
    WfLexer lexer;
    MemoTokenSource lexed;
    LexerErrorWatch watch;
  };
  auto run = std::make_shared<Run>(text, known == entries.end() ? nullptr : &known->second);
  run->lexer.removeErrorListeners();
  run->lexer.addErrorListener(&listener);
  run->lexer.addErrorListener(&run->watch);
  std::shared_ptr<void> tree_and_tokens;
  std::vector<size_t> first_tokens;
  std::unique_ptr<Module> module = parse_tokens_of(run->lexed, source, file_index, sink, listener,
                                                   memo->files().keep_leftovers ? &tree_and_tokens : nullptr,
                                                   &first_tokens, sll_only);
  run->lexer.removeErrorListeners();  // the listener lives on this stack; the run may outlive it
  // A handful of files is what an editor has open with their imports; forget them all rather
  // than grow without bound.
  constexpr size_t kMaxRemembered = 64;
  if (entries.size() >= kMaxRemembered && known == entries.end()) entries.clear();
  if (auto remembered = run->lexed.entry(std::move(text))) entries[source.path()] = std::move(*remembered);
  else entries.erase(source.path());
  if (memo->files().reparse_declarations) {
    // Only a parse that reported nothing is a base that one declaration can be re-parsed on.
    auto& modules = memo->files().modules;
    std::unique_ptr<RememberedModule> remembered;
    if (sink.all().size() == reported_before) remembered = remember_parse(source.text(), *module, first_tokens);
    if (modules.size() >= kMaxRemembered && modules.count(source.path()) == 0) modules.clear();
    if (remembered) modules[source.path()] = std::move(remembered);
    else modules.erase(source.path());
  }
  if (memo->files().keep_leftovers) {
    struct Leftovers {
      std::shared_ptr<Run> run;
      std::shared_ptr<void> tree_and_tokens;  // freed first: members go in reverse order
    };
    memo->files().leftovers.push_back(std::make_shared<Leftovers>(Leftovers{std::move(run), std::move(tree_and_tokens)}));
  }
  return module;
}

}  // namespace

}  // namespace wf

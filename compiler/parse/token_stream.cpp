// The full token stream of a source text and the roles the parse tree gives some tokens (see
// token_stream.h). The lexer runs under a recorder, so the tokens the newline filter drops are
// listed too; the parse, when asked for, is the one parse.cpp runs (SLL, then LL).
#include "parse/token_stream.h"
#include "parse/large_stack.h"
#include "parse/two_stage.h"
#include "source/utf8.h"


#include <algorithm>
#include <functional>

#include "WfLexer.h"
#include "WfParser.h"
#include "antlr4-runtime.h"
#include "parse/newline_filter.h"

namespace wf {

namespace {

using wfgen::WfLexer;
using wfgen::WfParser;

// One token as the lexer produced it, in code points (ANTLR's unit).
struct RawToken {
  size_t type;
  size_t channel;
  size_t start;  // first code point
  size_t stop;   // one past the last code point
};

// Stands between the lexer and the newline filter and writes down every token, the newlines
// the filter is about to drop included.
class RecordingSource : public antlr4::TokenSource {
 public:
  explicit RecordingSource(antlr4::TokenSource& lexer) : lexer_(lexer) {}

  std::unique_ptr<antlr4::Token> nextToken() override {
    auto t = lexer_.nextToken();
    if (t->getType() != antlr4::Token::EOF)
      tokens.push_back({t->getType(), t->getChannel(), t->getStartIndex(), t->getStopIndex() + 1});
    return t;
  }
  size_t getLine() const override { return lexer_.getLine(); }
  size_t getCharPositionInLine() override { return lexer_.getCharPositionInLine(); }
  antlr4::CharStream* getInputStream() override { return lexer_.getInputStream(); }
  std::string getSourceName() override { return lexer_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override { return lexer_.getTokenFactory(); }

  std::vector<RawToken> tokens;

 private:
  antlr4::TokenSource& lexer_;
};

class CountingListener : public antlr4::BaseErrorListener {
 public:
  void syntaxError(antlr4::Recognizer*, antlr4::Token*, size_t, size_t, const std::string&,
                   std::exception_ptr) override {
    ++errors;
  }
  int errors = 0;
};

// The text the lexer sees: ANTLR's input stream throws on invalid UTF-8, so each invalid byte
// becomes U+0001, which no token but a bad character matches (one byte for one byte: offsets
// still match). Also fills, for each code point, its byte offset, plus one entry for the end,
// and says whether a byte was replaced.
std::string lexable_text(std::string_view text, std::vector<uint32_t>& byte_of, bool& replaced) {
  std::string out(text);
  byte_of.clear();
  replaced = false;
  for (size_t i = 0; i < out.size();) {
    byte_of.push_back(static_cast<uint32_t>(i));
    const size_t n = utf8_sequence_length(out, i);
    if (n == 0) {
      out[i] = '\x01';
      replaced = true;
      ++i;
    } else {
      i += n;
    }
  }
  byte_of.push_back(static_cast<uint32_t>(out.size()));
  return out;
}

std::vector<SourceToken> to_source_tokens(std::string_view text, const antlr4::dfa::Vocabulary& vocabulary,
                                          const std::vector<RawToken>& raw, const std::vector<uint32_t>& byte_of,
                                          const std::vector<size_t>& kept_newlines) {
  std::vector<SourceToken> out;
  out.reserve(raw.size());
  for (const RawToken& r : raw) {
    SourceToken t;
    t.kind = vocabulary.getSymbolicName(r.type);
    t.begin = byte_of[std::min(r.start, byte_of.size() - 1)];
    t.end = byte_of[std::min(r.stop, byte_of.size() - 1)];
    t.text = std::string(text.substr(t.begin, t.end - t.begin));
    t.hidden = r.channel != antlr4::Token::DEFAULT_CHANNEL;
    if (r.type == WfLexer::NL) t.ends_statement = std::binary_search(kept_newlines.begin(), kept_newlines.end(), r.start);
    out.push_back(std::move(t));
  }
  return out;
}

// Gives roles to the tokens of a parse tree. Iterative: a long `a + b + ...` chain makes the
// tree as deep as it is long.
class RoleMarker {
 public:
  RoleMarker(std::vector<SourceToken>& tokens, const std::vector<RawToken>& raw) : tokens_(tokens), raw_(raw) {}

  void mark(antlr4::tree::ParseTree* root) {
    std::vector<antlr4::tree::ParseTree*> pending{root};
    while (!pending.empty()) {
      antlr4::tree::ParseTree* node = pending.back();
      pending.pop_back();
      visit(node);
      for (auto it = node->children.rbegin(); it != node->children.rend(); ++it) pending.push_back(*it);
    }
  }

 private:
  // Switches on the rule first: a dynamic_cast per node and candidate would dominate the walk.
  void visit(antlr4::tree::ParseTree* node) {
    auto* ctx = dynamic_cast<antlr4::ParserRuleContext*>(node);
    if (ctx == nullptr) return;
    switch (ctx->getRuleIndex()) {
      case WfParser::RuleTopDecl:
      case WfParser::RuleSetting:
      case WfParser::RuleBranch:
        add(ctx->getStart(), kRoleBreakBefore | kRoleItemStart);
        break;
      case WfParser::RuleStmt:
        add(ctx->getStart(), kRoleBreakBefore | kRoleItemStart);
        if (dynamic_cast<WfParser::ParallelStmtContext*>(ctx) != nullptr) braces(ctx);
        break;
      case WfParser::RuleAnnotation:
        add(ctx->getStart(), kRoleItemStart);
        child(ctx, WfLexer::LPAREN, kRoleAttached);
        break;
      case WfParser::RuleDecl:
        add(ctx->getStart(), kRoleItemStart);
        break;
      case WfParser::RuleBlock:
      case WfParser::RuleSettings:
        braces(ctx);
        break;
      case WfParser::RuleParamList:
      case WfParser::RuleJobSpec:  // only a script job has a `(`
        child(ctx, WfLexer::LPAREN, kRoleAttached);
        break;
      case WfParser::RuleExpr:
        if (dynamic_cast<WfParser::CallExprContext*>(ctx) != nullptr) child(ctx, WfLexer::LPAREN, kRoleAttached);
        else if (dynamic_cast<WfParser::IndexExprContext*>(ctx) != nullptr) child(ctx, WfLexer::LBRACK, kRoleAttached);
        else if (dynamic_cast<WfParser::NegExprContext*>(ctx) != nullptr) child(ctx, WfLexer::MINUS, kRoleUnary);
        break;
      case WfParser::RuleTypeAtom:
        child(ctx, WfLexer::LT, kRoleTypeAngle);
        child(ctx, WfLexer::GT, kRoleTypeAngle);
        break;
      default:
        break;
    }
  }

  void braces(antlr4::ParserRuleContext* ctx) {
    child(ctx, WfLexer::LBRACE, kRoleBlockBrace);
    child(ctx, WfLexer::RBRACE, kRoleBlockBrace);
  }

  // Marks the direct children of `ctx` that are terminals of `type`.
  void child(antlr4::ParserRuleContext* ctx, size_t type, uint16_t role) {
    for (antlr4::tree::ParseTree* c : ctx->children) {
      auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(c);
      if (terminal != nullptr && terminal->getSymbol()->getType() == type) add(terminal->getSymbol(), role);
    }
  }

  void add(antlr4::Token* token, uint16_t role) {
    if (token == nullptr || token->getType() == antlr4::Token::EOF) return;
    const size_t start = token->getStartIndex();
    auto it = std::lower_bound(raw_.begin(), raw_.end(), start,
                               [](const RawToken& r, size_t s) { return r.start < s; });
    // A token conjured by error recovery has no match; this parse had none, but stay safe.
    if (it == raw_.end() || it->start != start || it->type != token->getType()) return;
    tokens_[static_cast<size_t>(it - raw_.begin())].roles |= role;
  }

  std::vector<SourceToken>& tokens_;
  const std::vector<RawToken>& raw_;
};

std::optional<std::vector<SourceToken>> parse_here(std::string_view text) {
  std::vector<uint32_t> byte_of;
  bool replaced = false;
  antlr4::ANTLRInputStream input(lexable_text(text, byte_of, replaced));
  if (replaced) return std::nullopt;  // invalid UTF-8 is a syntax error (parse_module says where)
  CountingListener errors;
  WfLexer lexer(&input);
  lexer.removeErrorListeners();
  lexer.addErrorListener(&errors);
  RecordingSource recorder(lexer);
  NewlineFilter filter(recorder);
  antlr4::CommonTokenStream stream(&filter);
  WfParser parser(&stream);
  WfParser::ModuleContext* tree = parse_two_stage(parser, stream, errors);
  if (errors.errors > 0 || tree == nullptr) return std::nullopt;

  std::vector<size_t> kept;
  for (antlr4::Token* t : stream.getTokens())
    if (t->getType() == WfLexer::NL) kept.push_back(t->getStartIndex());
  std::sort(kept.begin(), kept.end());
  std::vector<SourceToken> tokens = to_source_tokens(text, lexer.getVocabulary(), recorder.tokens, byte_of, kept);
  RoleMarker(tokens, recorder.tokens).mark(tree);
  return tokens;
}

}  // namespace

std::vector<SourceToken> lex_tokens(std::string_view text) {
  std::vector<uint32_t> byte_of;
  bool replaced = false;
  antlr4::ANTLRInputStream input(lexable_text(text, byte_of, replaced));
  WfLexer lexer(&input);
  lexer.removeErrorListeners();
  RecordingSource recorder(lexer);
  NewlineFilter filter(recorder);
  std::vector<size_t> kept;
  for (;;) {
    auto t = filter.nextToken();
    if (t->getType() == antlr4::Token::EOF) break;
    if (t->getType() == WfLexer::NL) kept.push_back(t->getStartIndex());
  }
  std::sort(kept.begin(), kept.end());
  return to_source_tokens(text, lexer.getVocabulary(), recorder.tokens, byte_of, kept);
}

std::optional<std::vector<SourceToken>> parse_tokens(std::string_view text) {
  std::optional<std::vector<SourceToken>> result;
  run_on_large_stack([&] { result = parse_here(text); });
  return result;
}

}  // namespace wf

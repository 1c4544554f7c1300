// The lexer's side of token reuse (token_memo.h): a token source that replays the tokens of the
// file's previous parse where the text is unchanged and runs the real lexer only around the edit.
// Internal to compiler/parse (it includes ANTLR headers).
//
// Why the replayed tokens are exactly the ones lexing would give: the lexer's choices depend only
// on the characters it looks at, its mode stack and the open interpolations. Each remembered
// token records how far the lexer looked to make it and whether the lexer was back in its
// default state afterwards. A prefix of tokens whose looking stayed before the first changed
// character is replayed as it was; lexing starts again after the last of them that left a default
// state; and once the new lexer, in its default state, reaches a place in the unchanged tail where
// the old lexer also started a token in its default state, the rest of the old tokens follow,
// shifted by the edit. A previous parse with a lexer error is not reused.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "WfLexer.h"
#include "antlr4-runtime.h"
#include "parse/decl_reparse.h"
#include "parse/token_memo.h"

namespace wf {

// One token as the lexer made it; positions are code point indices, as ANTLR counts.
struct LexedToken {
  size_t type = 0;
  size_t channel = 0;
  size_t start = 0, stop = 0;
  size_t line = 0, column = 0;          // of its first character
  size_t end_line = 0, end_column = 0;  // the lexer's position after it
  size_t lex_start = 0;                 // where lexing for it began (skipped whitespace included)
  size_t examined_end = 0;              // one past the last character the lexer looked at for it
  bool clean_after = false;             // the lexer was in its default mode, no interpolation open
};

struct MemoEntry {
  std::string text;  // the text the lexer saw
  std::vector<LexedToken> tokens;  // up to and including EOF
};

struct TokenMemo::Files {
  std::map<std::string, MemoEntry> entries;
  bool keep_leftovers = false;
  std::vector<std::shared_ptr<void>> leftovers;
  // The declarations of each file's last parse, when it was clean (decl_reparse.h).
  bool reparse_declarations = false;
  std::map<std::string, std::unique_ptr<RememberedModule>> modules;
  TokenMemo::Reuse reuse;
};

// An input stream that remembers the furthest character the lexer has looked at.
class TrackingInputStream : public antlr4::ANTLRInputStream {
 public:
  explicit TrackingInputStream(const std::string& text) : antlr4::ANTLRInputStream(text) {}
  size_t LA(ssize_t i) override {
    if (i > 0 && p + static_cast<size_t>(i) > furthest_) furthest_ = p + static_cast<size_t>(i);
    return antlr4::ANTLRInputStream::LA(i);
  }
  size_t furthest() const { return furthest_; }
  void look_from(size_t index) { furthest_ = index; }

 private:
  size_t furthest_ = 0;
};

class MemoTokenSource : public antlr4::TokenSource {
 public:
  // `previous` is the file's entry from its last parse, or null; `text` is what `input` holds.
  MemoTokenSource(wfgen::WfLexer& lexer, TrackingInputStream& input, const std::string& text,
                  const MemoEntry* previous);

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return lexer_.getLine(); }
  size_t getCharPositionInLine() override { return lexer_.getCharPositionInLine(); }
  antlr4::CharStream* getInputStream() override { return lexer_.getInputStream(); }
  std::string getSourceName() override { return lexer_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override { return lexer_.getTokenFactory(); }

  // The entry to remember for this text: set once EOF was handed out, if the lexer reported no
  // error (the listener says so through lexer_error()).
  std::optional<MemoEntry> entry(std::string text);
  void lexer_error() { lexer_error_ = true; }

 private:
  enum class Phase { Prefix, Live, Tail };
  void plan(const std::string& text);
  std::unique_ptr<antlr4::Token> replay(const LexedToken& old);
  std::unique_ptr<antlr4::Token> lex();
  void try_resync();

  wfgen::WfLexer& lexer_;
  TrackingInputStream& input_;
  const MemoEntry* previous_;
  Phase phase_ = Phase::Live;
  size_t next_ = 0;           // the next old token to replay
  size_t prefix_tokens_ = 0;  // old tokens replayed before lexing starts
  size_t tail_begin_ = 0;     // the first code point of the unchanged tail, in the new text
  long long shift_ = 0;       // new index minus old index in the tail
  long long line_shift_ = 0;
  size_t shifted_line_ = 0;   // the old line whose columns move by column_shift_
  long long column_shift_ = 0;
  std::vector<LexedToken> recorded_;
  bool reached_eof_ = false;
  bool lexer_error_ = false;
};

// Tells a MemoTokenSource that the lexer reported an error, so that its tokens are not kept.
class LexerErrorWatch : public antlr4::BaseErrorListener {
 public:
  explicit LexerErrorWatch(MemoTokenSource& source) : source_(source) {}
  void syntaxError(antlr4::Recognizer*, antlr4::Token*, size_t, size_t, const std::string&, std::exception_ptr) override {
    source_.lexer_error();
  }

 private:
  MemoTokenSource& source_;
};

}  // namespace wf

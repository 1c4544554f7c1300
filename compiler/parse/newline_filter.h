// Applies the newline rules of SPEC §1.1 between the lexer and the parser: a newline ends a
// statement except inside `(`, `[` or an interpolation, after a token that cannot end one (a
// binary operator, `,`, `=`, ...), or before a token that continues one (`)`, `}`, `else`,
// `timeout`, ...). Runs of newlines collapse into one. Hidden-channel tokens pass through.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "antlr4-runtime.h"

namespace wf {

class NewlineFilter : public antlr4::TokenSource {
 public:
  explicit NewlineFilter(antlr4::TokenSource& lexer) : lexer_(lexer) {}

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return lexer_.getLine(); }
  size_t getCharPositionInLine() override { return lexer_.getCharPositionInLine(); }
  antlr4::CharStream* getInputStream() override { return lexer_.getInputStream(); }
  std::string getSourceName() override { return lexer_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override { return lexer_.getTokenFactory(); }

 private:
  std::unique_ptr<antlr4::Token> pull();
  void track(const antlr4::Token& t);
  bool newline_is_insignificant_here() const;

  antlr4::TokenSource& lexer_;
  std::deque<std::unique_ptr<antlr4::Token>> ready_;
  std::vector<size_t> open_;  // token types of the open brackets / interpolations
  size_t previous_ = 0;       // type of the last default-channel token handed out (0: none)
};

}  // namespace wf

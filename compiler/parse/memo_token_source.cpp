// Replaying unchanged tokens and lexing only around an edit (see memo_token_source.h).
#include "parse/memo_token_source.h"

#include <algorithm>

namespace wf {

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Code points in text[begin, end): ANTLR's indices count them.
size_t code_points(const std::string& text, size_t begin, size_t end) {
  size_t n = 0;
  for (size_t i = begin; i < end; ++i) n += is_continuation(text[i]) ? 0 : 1;
  return n;
}

// What the lexer's token factory makes, its fields set directly: CommonToken's own constructor
// asks the token source for the line and column, which a replayed token has already.
class ReplayedToken : public antlr4::CommonToken {
 public:
  ReplayedToken(antlr4::TokenSource* lexer, antlr4::CharStream* input, const LexedToken& t) : antlr4::CommonToken(t.type) {
    _source = {lexer, input};  // the text is read from the input when asked for
    _channel = t.channel;
    _start = t.start;
    _stop = t.stop;
    _line = t.line;
    _charPositionInLine = t.column;
  }
};

bool in_default_state(const wfgen::WfLexer& lexer) {
  return lexer.modeStack.empty() && lexer.mode == antlr4::Lexer::DEFAULT_MODE && lexer.interpolationBraces.empty();
}

}  // namespace

MemoTokenSource::MemoTokenSource(wfgen::WfLexer& lexer, TrackingInputStream& input, const std::string& text,
                                 const MemoEntry* previous)
    : lexer_(lexer), input_(input), previous_(previous && !previous->tokens.empty() ? previous : nullptr) {
  if (previous_) recorded_.reserve(previous_->tokens.size() + previous_->tokens.size() / 8);
  plan(text);
}

void MemoTokenSource::plan(const std::string& text) {
  if (!previous_) return;
  const std::string& old = previous_->text;
  const std::vector<LexedToken>& tokens = previous_->tokens;
  if (old == text) {
    prefix_tokens_ = tokens.size();
    phase_ = Phase::Prefix;
    return;
  }
  // The unchanged head and tail, in bytes, cut at character boundaries (the texts are valid UTF-8:
  // the parser replaced every invalid byte).
  const size_t limit = std::min(old.size(), text.size());
  size_t head = 0;
  while (head < limit && old[head] == text[head]) ++head;
  size_t tail = 0;
  while (tail < limit - head && old[old.size() - 1 - tail] == text[text.size() - 1 - tail]) ++tail;
  while (head > 0 && head < text.size() && is_continuation(text[head])) --head;
  while (tail > 0 && is_continuation(text[text.size() - tail])) --tail;

  const size_t head_cp = code_points(text, 0, head);
  const size_t total_cp = head_cp + code_points(text, head, text.size());
  const size_t old_total_cp = tokens.back().start;  // EOF starts at the end
  tail_begin_ = total_cp - code_points(text, text.size() - tail, text.size());
  shift_ = static_cast<long long>(total_cp) - static_cast<long long>(old_total_cp);

  // The old tokens made from the head alone, up to the last one that left the lexer in its
  // default state.
  for (size_t i = 0; i < tokens.size() && tokens[i].examined_end <= head_cp; ++i)
    if (tokens[i].clean_after) prefix_tokens_ = i + 1;
  if (prefix_tokens_ > 0) phase_ = Phase::Prefix;
}

std::unique_ptr<antlr4::Token> MemoTokenSource::nextToken() {
  if (phase_ == Phase::Prefix) {
    if (next_ < prefix_tokens_) return replay(previous_->tokens[next_++]);
    if (prefix_tokens_ == previous_->tokens.size()) return replay(previous_->tokens.back());  // EOF again
    // The head is used up: lexing goes on from where the old lexer made the next token.
    const LexedToken& last = previous_->tokens[prefix_tokens_ - 1];
    input_.seek(previous_->tokens[prefix_tokens_].lex_start);
    lexer_.setLine(last.end_line);
    lexer_.setCharPositionInLine(last.end_column);
    phase_ = Phase::Live;
  }
  if (phase_ == Phase::Tail) {
    // After EOF a lexer keeps answering EOF.
    const size_t index = std::min(next_, previous_->tokens.size() - 1);
    ++next_;
    return replay(previous_->tokens[index]);
  }
  return lex();
}

std::unique_ptr<antlr4::Token> MemoTokenSource::lex() {
  const size_t begin = input_.index();
  input_.look_from(begin);
  std::unique_ptr<antlr4::Token> token = lexer_.nextToken();
  LexedToken r;
  r.type = token->getType();
  r.channel = token->getChannel();
  r.start = token->getStartIndex();
  r.stop = token->getStopIndex();
  r.line = token->getLine();
  r.column = token->getCharPositionInLine();
  r.end_line = lexer_.getLine();
  r.end_column = lexer_.getCharPositionInLine();
  r.lex_start = begin;
  r.examined_end = input_.furthest();
  r.clean_after = in_default_state(lexer_);
  if (!reached_eof_) recorded_.push_back(r);
  if (r.type == antlr4::Token::EOF) reached_eof_ = true;
  else if (previous_ && r.clean_after) try_resync();
  return token;
}

void MemoTokenSource::try_resync() {
  const size_t at = input_.index();
  if (at < tail_begin_) return;
  const long long old_at = static_cast<long long>(at) - shift_;
  const std::vector<LexedToken>& tokens = previous_->tokens;
  auto it = std::lower_bound(tokens.begin() + static_cast<long>(prefix_tokens_), tokens.end(), old_at,
                             [](const LexedToken& t, long long value) { return static_cast<long long>(t.lex_start) < value; });
  if (it == tokens.end() || static_cast<long long>(it->lex_start) != old_at) return;
  const size_t m = static_cast<size_t>(it - tokens.begin());
  if (m > 0 && !tokens[m - 1].clean_after) return;
  const size_t old_line = m > 0 ? tokens[m - 1].end_line : 1;
  const size_t old_column = m > 0 ? tokens[m - 1].end_column : 0;
  line_shift_ = static_cast<long long>(lexer_.getLine()) - static_cast<long long>(old_line);
  shifted_line_ = old_line;
  column_shift_ = static_cast<long long>(lexer_.getCharPositionInLine()) - static_cast<long long>(old_column);
  next_ = m;
  phase_ = Phase::Tail;
}

std::unique_ptr<antlr4::Token> MemoTokenSource::replay(const LexedToken& old) {
  LexedToken t = old;
  if (phase_ == Phase::Tail) {
    auto moved = [](size_t value, long long by) { return static_cast<size_t>(static_cast<long long>(value) + by); };
    t.start = moved(t.start, shift_);
    t.stop = t.type == antlr4::Token::EOF ? t.start - 1 : moved(t.stop, shift_);
    t.lex_start = moved(t.lex_start, shift_);
    t.examined_end = moved(t.examined_end, shift_);
    if (old.line == shifted_line_) t.column = moved(t.column, column_shift_);
    if (old.end_line == shifted_line_) t.end_column = moved(t.end_column, column_shift_);
    t.line = moved(t.line, line_shift_);
    t.end_line = moved(t.end_line, line_shift_);
  }
  auto token = std::make_unique<ReplayedToken>(&lexer_, &input_, t);
  if (!reached_eof_) recorded_.push_back(t);
  if (t.type == antlr4::Token::EOF) reached_eof_ = true;
  return token;
}

std::optional<MemoEntry> MemoTokenSource::entry(std::string text) {
  if (!reached_eof_ || lexer_error_) return std::nullopt;
  return MemoEntry{std::move(text), std::move(recorded_)};
}

}  // namespace wf

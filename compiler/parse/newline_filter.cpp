// Newline rules of SPEC §1.1, applied to the token stream (see newline_filter.h).
#include "parse/newline_filter.h"

#include "WfLexer.h"

namespace wf {

using wfgen::WfLexer;

namespace {

// A statement cannot end right after these tokens: the expression or declaration goes on.
bool continues_after(size_t type) {
  switch (type) {
    case 0:  // start of file
    case WfLexer::PLUS: case WfLexer::MINUS: case WfLexer::STAR: case WfLexer::SLASH: case WfLexer::MOD:
    case WfLexer::EQ: case WfLexer::NE: case WfLexer::LT: case WfLexer::LE: case WfLexer::GE:
    case WfLexer::AND: case WfLexer::OR: case WfLexer::NOT:
    case WfLexer::ASSIGN: case WfLexer::COMMA: case WfLexer::COLON: case WfLexer::ARROW: case WfLexer::DOT:
    case WfLexer::LPAREN: case WfLexer::LBRACK: case WfLexer::LBRACE: case WfLexer::SEMI:
      return true;
    default:
      return false;  // `>` is left out on purpose: it closes `list<int>` at the end of a line.
  }
}

// A statement cannot start with these tokens, so a newline before them does not end anything.
bool continues_before(size_t type) {
  switch (type) {
    case WfLexer::RPAREN: case WfLexer::RBRACK: case WfLexer::RBRACE: case WfLexer::DOT:
    case WfLexer::ELSE: case WfLexer::CATCH: case WfLexer::FINALLY:
    case WfLexer::BY: case WfLexer::QUORUM: case WfLexer::TIMEOUT: case WfLexer::RETRY:
    case WfLexer::EVERY: case WfLexer::BACKOFF: case WfLexer::AS: case WfLexer::PRIORITY:
    case WfLexer::CANARY: case WfLexer::ALLOW_FAILURE: case WfLexer::ON: case WfLexer::TO:
    case WfLexer::UNTIL:
    case WfLexer::AND: case WfLexer::OR:
      return true;
    default:
      return false;
  }
}

bool is_contextual_clause(size_t type) {
  return type == WfLexer::REASON || type == WfLexer::TTL || type == WfLexer::LIMIT;
}

// Effect words that start a statement, and are names elsewhere (`sleep = 5m`, `f(notify)`).
bool is_effect_word(size_t type) {
  return type == WfLexer::SLEEP || type == WfLexer::CHECKOUT || type == WfLexer::PARALLEL || type == WfLexer::NOTIFY;
}

// What may follow a name but never the first word of an effect statement: after one of these, an
// effect word at the start of a line is a name, and the line goes on as the newline rules say.
bool follows_only_a_name(size_t type) {
  switch (type) {
    case WfLexer::ASSIGN: case WfLexer::DOT: case WfLexer::COMMA: case WfLexer::COLON:
    case WfLexer::RPAREN: case WfLexer::RBRACK: case WfLexer::RBRACE:
    case WfLexer::PLUS: case WfLexer::STAR: case WfLexer::SLASH: case WfLexer::MOD:
    case WfLexer::EQ: case WfLexer::NE: case WfLexer::LT: case WfLexer::LE: case WfLexer::GT: case WfLexer::GE:
    case WfLexer::AND: case WfLexer::OR: case WfLexer::NL: case WfLexer::SEMI: case antlr4::Token::EOF:
      return true;
    default:
      return false;
  }
}

// Tokens that only ever start a declaration or a statement. One of them at the start of a line
// while `(` or `[` is open means a bracket was left unclosed: the filter closes it so that one
// missing `)` costs one error, not the rest of the file.
bool starts_statement(size_t type) {
  switch (type) {
    case WfLexer::FN: case WfLexer::WORKFLOW: case WfLexer::LIBRARY: case WfLexer::IMPORT:
    case WfLexer::CONST: case WfLexer::TYPE: case WfLexer::AT: case WfLexer::LET: case WfLexer::VAR:
    case WfLexer::IF: case WfLexer::FOR: case WfLexer::WHILE: case WfLexer::RETURN: case WfLexer::BREAK:
    case WfLexer::CONTINUE: case WfLexer::TRY: case WfLexer::STEP: case WfLexer::SLEEP:
    case WfLexer::CHECKOUT: case WfLexer::PARALLEL: case WfLexer::NOTIFY: case WfLexer::LOG:
    case WfLexer::FAIL:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::unique_ptr<antlr4::Token> NewlineFilter::pull() {
  if (!ready_.empty()) {
    auto t = std::move(ready_.front());
    ready_.pop_front();
    return t;
  }
  return lexer_.nextToken();
}

void NewlineFilter::track(const antlr4::Token& t) {
  if (t.getChannel() != antlr4::Token::DEFAULT_CHANNEL) return;
  const size_t type = t.getType();
  switch (type) {
    case WfLexer::LPAREN: case WfLexer::LBRACK: case WfLexer::LBRACE: case WfLexer::INTERP_OPEN:
      open_.push_back(type);
      break;
    case WfLexer::RPAREN: case WfLexer::RBRACK: case WfLexer::RBRACE: case WfLexer::INTERP_CLOSE:
      if (!open_.empty()) open_.pop_back();
      break;
    default:
      break;
  }
  previous_ = type;
}

bool NewlineFilter::newline_is_insignificant_here() const {
  if (!open_.empty() && open_.back() != WfLexer::LBRACE) return true;  // inside ( [ or {{ }}
  return continues_after(previous_);
}

std::unique_ptr<antlr4::Token> NewlineFilter::nextToken() {
  for (;;) {
    auto t = pull();
    if (t->getType() == WfLexer::STR_UNTERMINATED) {
      // The lexer consumed the newline that ended the unterminated string; give it back so the
      // statement ends there and the next line parses on its own.
      // It needs a token source: error recovery conjures a missing token from the current one's.
      auto newline = std::make_unique<antlr4::CommonToken>(std::make_pair(&lexer_, lexer_.getInputStream()), WfLexer::NL,
                                                           antlr4::Token::DEFAULT_CHANNEL, t->getStopIndex(), t->getStopIndex());
      newline->setStartIndex(t->getStopIndex());
      newline->setStopIndex(t->getStopIndex());
      newline->setLine(t->getLine());
      ready_.push_front(std::move(newline));
    }
    if (t->getType() != WfLexer::NL || t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) {
      track(*t);
      return t;
    }
    // A newline: look past further newlines and comments to the next significant token.
    auto newline = std::move(t);
    std::deque<std::unique_ptr<antlr4::Token>> between;
    std::unique_ptr<antlr4::Token> next;
    for (;;) {
      auto u = pull();
      if (u->getChannel() != antlr4::Token::DEFAULT_CHANNEL) { between.push_back(std::move(u)); continue; }
      if (u->getType() == WfLexer::NL) continue;  // collapse runs of newlines
      next = std::move(u);
      break;
    }
    bool drop = false;
    std::deque<std::unique_ptr<antlr4::Token>> trailing;  // tokens read past `next`
    // The type of the first significant token after `next`, read ahead into `trailing`.
    auto after_next = [&]() -> size_t {
      for (;;) {
        auto u = pull();
        const bool hidden = u->getChannel() != antlr4::Token::DEFAULT_CHANNEL;
        const size_t a = u->getType();
        trailing.push_back(std::move(u));
        if (!hidden) return a;
      }
    };
    if (is_contextual_clause(next->getType())) {
      // `reason`, `ttl` and `limit` are also names: at the start of a line they continue the
      // statement above as a clause, unless they begin a statement of their own (`limit = 5`).
      const size_t a = after_next();
      drop = !(a == WfLexer::ASSIGN || a == WfLexer::DOT || a == WfLexer::LPAREN || a == WfLexer::LBRACK ||
               a == WfLexer::NL || a == WfLexer::SEMI || a == antlr4::Token::EOF);
    } else if (is_effect_word(next->getType()) && follows_only_a_name(after_next())) {
      // An effect word used as a name (`sleep = 5m`, `notify,` in a list): an ordinary token here.
      drop = newline_is_insignificant_here() || next->getType() == antlr4::Token::EOF;
    } else if (starts_statement(next->getType())) {
      while (!open_.empty() && open_.back() != WfLexer::LBRACE) open_.pop_back();
      drop = previous_ == 0;  // keep the newline: it ends whatever was left open
    } else {
      drop = newline_is_insignificant_here() || continues_before(next->getType()) ||
             next->getType() == antlr4::Token::EOF;
    }
    // Put back what was read ahead, in stream order, before anything still queued after it.
    between.push_back(std::move(next));
    for (auto& t : trailing) between.push_back(std::move(t));
    ready_.insert(ready_.begin(), std::make_move_iterator(between.begin()), std::make_move_iterator(between.end()));
    if (!drop) {
      track(*newline);
      return newline;
    }
  }
}

}  // namespace wf

// Token stream dumping for tests (see token_dump.h).
#include "parse/token_dump.h"

#include "WfLexer.h"
#include "antlr4-runtime.h"
#include "parse/newline_filter.h"

namespace wf {

std::vector<std::pair<std::string, std::string>> dump_tokens(std::string_view text) {
  antlr4::ANTLRInputStream input{std::string(text)};
  wfgen::WfLexer lexer(&input);
  lexer.removeErrorListeners();
  NewlineFilter filter(lexer);
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    auto t = filter.nextToken();
    if (t->getType() == antlr4::Token::EOF) break;
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    out.emplace_back(std::string(lexer.getVocabulary().getSymbolicName(t->getType())), t->getText());
  }
  return out;
}

}  // namespace wf

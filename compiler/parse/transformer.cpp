// Shared plumbing of the transformer: positions, names, diagnostics and the module rule.
#include "parse/transformer.h"

namespace wf {

Transformer::Transformer(const SourceFile& source, uint32_t file, DiagnosticSink& sink,
                         antlr4::BufferedTokenStream& tokens)
    : source_(source), file_(file), sink_(sink), tokens_(tokens) {
  const std::string& text = source.text();
  bool ascii = true;
  for (unsigned char c : text)
    if (c >= 0x80) { ascii = false; break; }
  if (ascii) return;
  for (uint32_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) code_point_bytes_.push_back(i);
  code_point_bytes_.push_back(static_cast<uint32_t>(text.size()));
}

uint32_t Transformer::byte_offset(size_t index) const {
  if (code_point_bytes_.empty()) return static_cast<uint32_t>(std::min(index, source_.text().size()));
  if (index >= code_point_bytes_.size()) return code_point_bytes_.back();
  return code_point_bytes_[index];
}

SourceRange Transformer::range(antlr4::Token* token) const {
  if (!token || token->getType() == antlr4::Token::EOF) {
    const uint32_t end = static_cast<uint32_t>(source_.text().size());
    return {end, end};
  }
  return {byte_offset(token->getStartIndex()), byte_offset(token->getStopIndex() + 1)};
}

SourceRange Transformer::range(antlr4::ParserRuleContext* ctx) const {
  if (!ctx) return {};
  SourceRange begin = range(ctx->getStart());
  antlr4::Token* stop = ctx->getStop();
  if (!stop || stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) return {begin.begin, begin.begin};
  return SourceRange::cover(begin, range(stop));
}

Ident Transformer::ident(antlr4::tree::TerminalNode* node) const {
  if (!node || node->getSymbol()->getTokenIndex() == static_cast<size_t>(-1)) return {};
  antlr4::Token* t = node->getSymbol();
  // Tokens conjured by error recovery ("missing ID") have no text of their own.
  if (t->getStartIndex() > t->getStopIndex() || t->getStartIndex() == static_cast<size_t>(-1)) return {};
  return {t->getText(), range(t)};
}

Ident Transformer::ident(P::LabelContext* ctx) const {
  if (!ctx || !ctx->getStart()) return {};
  return {text_of(ctx), range(ctx)};
}

Ident Transformer::ident(P::IdentContext* ctx) const {
  if (!ctx || !ctx->getStart()) return {};
  return {text_of(ctx), range(ctx)};
}

std::string Transformer::text_of(antlr4::tree::ParseTree* node) {
  // A rule's text is its children's texts joined, so a chain of single children has the text of
  // the one at its end (a token's own text, or nothing for a rule without children).
  while (node->children.size() == 1) node = node->children[0];
  return node->getText();
}

bool Transformer::too_deep(SourceRange where) {
  if (depth_ <= kMaxDepth) return false;
  if (!depth_reported_) {
    depth_reported_ = true;
    error(DiagCode::SyntaxError, where,
          "this is nested more than " + std::to_string(kMaxDepth) + " levels deep; split it into smaller pieces");
  }
  return true;
}

void Transformer::error(DiagCode code, SourceRange where, std::string message) {
  sink_.report(code, Location{file_, where}, std::move(message));
}

std::unique_ptr<Module> Transformer::module(P::ModuleContext* ctx) {
  auto m = std::make_unique<Module>();
  m->file = file_;
  if (!ctx) return m;
  for (auto* d : ctx->topDecl())
    if (auto decl = this->decl(d)) m->decls.push_back(std::move(decl));
  return m;
}

}  // namespace wf

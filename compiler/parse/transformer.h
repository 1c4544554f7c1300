// The one transformer from ANTLR's parse tree to wf's AST (STYLE.md: Kuzu). Its methods mirror
// the grammar's rules and are split by area into transform_decl.cpp, transform_stmt.cpp and
// transform_expr.cpp. It tolerates the holes error recovery leaves in a tree: a missing child
// becomes an ErrorExpr or an empty node, never a crash.
#pragma once

#include <vector>

#include "WfParser.h"
#include "diagnostics/diagnostic.h"
#include "syntax/ast.h"

namespace wf {

class Transformer {
 public:
  Transformer(const SourceFile& source, uint32_t file, DiagnosticSink& sink, antlr4::BufferedTokenStream& tokens);

  std::unique_ptr<Module> module(wfgen::WfParser::ModuleContext* ctx);

 private:
  using P = wfgen::WfParser;

  // Positions: ANTLR counts code points, the AST counts bytes.
  uint32_t byte_offset(size_t code_point_index) const;
  SourceRange range(antlr4::Token* token) const;
  SourceRange range(antlr4::ParserRuleContext* ctx) const;
  Ident ident(antlr4::tree::TerminalNode* node) const;
  Ident ident(P::LabelContext* ctx) const;
  Ident ident(P::IdentContext* ctx) const;
  // The text of a subtree, as ANTLR's getText() gives it, without its stringstream when the
  // subtree is one token (a name, a number, a string part): the common case, and a tenth of the
  // parse when done ANTLR's way.
  static std::string text_of(antlr4::tree::ParseTree* node);
  void error(DiagCode code, SourceRange where, std::string message);

  // Declarations (transform_decl.cpp)
  Own<Decl> decl(P::TopDeclContext* ctx);
  Own<Decl> decl_body(P::DeclContext* ctx);
  Annotation annotation(P::AnnotationContext* ctx);
  std::string docs_before(antlr4::Token* first);
  std::vector<Param> params(P::ParamListContext* ctx);
  std::vector<Setting> settings(P::SettingsContext* ctx);
  Own<TypeExpr> type(P::TypeExprContext* ctx);

  // Statements (transform_stmt.cpp)
  Block block(P::BlockContext* ctx, SourceRange fallback);
  Own<Stmt> stmt(P::StmtContext* ctx);
  Own<Stmt> if_chain(P::ExprContext* cond, const std::vector<P::BlockContext*>& blocks, P::IfElseContext* else_if,
                     SourceRange where);
  std::unique_ptr<RetryPolicy> retry(antlr4::ParserRuleContext* ctx, P::ExprContext* count,
                                     P::ExprContext* every, P::ExprContext* backoff);

  // Expressions (transform_expr.cpp)
  Own<Expr> expr(P::ExprContext* ctx, SourceRange fallback);
  Own<Expr> primary(P::PrimaryContext* ctx);
  Own<Expr> run(P::RunExprContext* ctx);
  Own<Expr> approve(P::ApproveExprContext* ctx);
  Own<StringExpr> string(P::StringLitContext* ctx);
  void strip_indentation(StringExpr& s);
  std::vector<Arg> args(P::ArgsContext* ctx);

  const SourceFile& source_;
  uint32_t file_;
  DiagnosticSink& sink_;
  antlr4::BufferedTokenStream& tokens_;
  std::vector<uint32_t> code_point_bytes_;  // empty when the file is ASCII (indices are bytes)

  // Every later phase walks the AST recursively, so the AST's depth is bounded here: deeper
  // nesting (a 10,000-term chain of `+`, a thousand `else if`s) is refused with one E0001.
  static constexpr int kMaxDepth = 1000;
  int depth_ = 0;
  bool depth_reported_ = false;
  bool too_deep(SourceRange where);
  struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(++d) {}
    ~DepthGuard() { --depth; }
  };
};

}  // namespace wf

// Semantic tokens. Names, literals and types come from the checked tree, so a word is coloured by
// what it resolved to (a parameter, a fn, a job kind); keywords, comments and annotations, which
// the tree does not keep, come from a scan of the text outside the tree's strings. Where the two
// overlap the tree wins.
#include <algorithm>
#include <cctype>
#include <iterator>

#include "analysis/features.h"
#include "analysis/vocabulary.h"
#include "syntax/ast_walk.h"

namespace wf::analysis {

namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Tokenizer {
 public:
  explicit Tokenizer(const Snapshot& s) : s_(s), text_(s.document().text()) {}

  std::vector<SemanticToken> run() {
    for (const auto& decl : s_.module().decls) visit_decl(*decl);
    scan();
    // Stable: of two tokens on the same span, the one the walk made first (a call's) wins.
    std::stable_sort(out_.begin(), out_.end(), [](const SemanticToken& a, const SemanticToken& b) {
      return a.range.begin != b.range.begin ? a.range.begin < b.range.begin : a.range.end > b.range.end;
    });
    std::vector<SemanticToken> kept;
    for (const SemanticToken& t : out_) {
      if (t.range.begin >= t.range.end || t.range.end > text_.size()) continue;
      if (!kept.empty() && t.range.begin < kept.back().range.end) continue;
      kept.push_back(t);
    }
    return kept;
  }

 private:
  void add(SourceRange r, TokenType type, bool from_tree = true) {
    if (r.begin >= r.end) return;
    (from_tree ? out_ : scanned_).push_back({r, type});
  }

  void visit_type(const TypeExpr* t) {
    if (!t) return;
    switch (t->kind) {
      case TypeExprKind::Named: {
        const auto& named = static_cast<const NamedTypeExpr&>(*t);
        add(named.name.range, TokenType::Type);
        for (const auto& arg : named.args) visit_type(arg.get());
        break;
      }
      case TypeExprKind::Record:
        for (const FieldTypeExpr& f : static_cast<const RecordTypeExpr&>(*t).fields) {
          add(f.name.range, TokenType::Property);
          visit_type(f.type.get());
        }
        break;
      case TypeExprKind::Optional: visit_type(static_cast<const OptionalTypeExpr&>(*t).inner.get()); break;
    }
  }

  void params(const std::vector<Param>& list) {
    for (const Param& p : list) {
      add(p.name.range, TokenType::Parameter);
      visit_type(p.type.get());
    }
  }

  void visit_decl(const Decl& decl) {
    switch (decl.kind) {
      case DeclKind::Import: add(static_cast<const ImportDecl&>(decl).path_range, TokenType::String); break;
      case DeclKind::Const:
        add(decl.name.range, TokenType::Variable);
        visit_type(static_cast<const ConstDecl&>(decl).declared.get());
        break;
      case DeclKind::Type:
        add(decl.name.range, TokenType::Type);
        visit_type(static_cast<const TypeDecl&>(decl).aliased.get());
        break;
      case DeclKind::Fn:
        add(decl.name.range, TokenType::Function);
        params(static_cast<const FnDecl&>(decl).params);
        visit_type(static_cast<const FnDecl&>(decl).result.get());
        break;
      case DeclKind::Workflow:
        add(decl.name.range, TokenType::Function);
        params(static_cast<const WorkflowDecl&>(decl).params);
        visit_type(static_cast<const WorkflowDecl&>(decl).result.get());
        break;
      case DeclKind::Script:
        add(decl.name.range, TokenType::Function);
        params(static_cast<const ScriptDecl&>(decl).params);
        break;
      case DeclKind::Library: add(decl.name.range, TokenType::Type); break;
    }
    AstVisitor v;
    v.on_stmt = [this](Stmt& s) { visit_stmt(s); };
    v.on_expr = [this](Expr& e) { visit_expr(e); };
    walk(mutable_decl(decl), v);
  }

  void visit_stmt(const Stmt& s) {
    switch (s.kind) {
      case StmtKind::Let: {
        const auto& l = static_cast<const LetStmt&>(s);
        add(l.name.range, TokenType::Variable);
        visit_type(l.declared.get());
        break;
      }
      case StmtKind::Assign: add(static_cast<const AssignStmt&>(s).name.range, TokenType::Variable); break;
      case StmtKind::For: add(static_cast<const ForStmt&>(s).var.range, TokenType::Variable); break;
      case StmtKind::ParallelFor: add(static_cast<const ParallelForStmt&>(s).var.range, TokenType::Variable); break;
      case StmtKind::Checkout: add(static_cast<const CheckoutStmt&>(s).var.range, TokenType::Variable); break;
      case StmtKind::Try: add(static_cast<const TryStmt&>(s).catch_var.range, TokenType::Variable); break;
      default: break;
    }
  }

  static TokenType type_of(const Binding* b) {
    while (b && b->narrows) b = b->narrows;
    if (!b) return TokenType::Variable;
    switch (b->kind) {
      case BindingKind::Param: return TokenType::Parameter;
      case BindingKind::Fn:
      case BindingKind::Workflow:
      case BindingKind::Script: return TokenType::Function;
      case BindingKind::Library: return TokenType::Type;
      case BindingKind::Local:
      case BindingKind::Const: return TokenType::Variable;
    }
    return TokenType::Variable;
  }

  void visit_expr(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Int:
      case ExprKind::Float:
      case ExprKind::Duration:
      case ExprKind::Percent: add(e.range, TokenType::Number); break;
      case ExprKind::String: {
        // The string around its interpolations, which are coloured as the code they are.
        const auto& str = static_cast<const StringExpr&>(e);
        uint32_t at = e.range.begin;
        for (const StringPart& part : str.parts) {
          if (!part.expr) continue;
          add({at, part.expr->range.begin}, TokenType::String);
          at = std::max(at, part.expr->range.end);
        }
        add({at, e.range.end}, TokenType::String);
        strings_.push_back(e.range);
        break;
      }
      case ExprKind::Name: {
        const auto& n = static_cast<const NameExpr&>(e);
        if (n.binding) add(n.name.range, type_of(n.binding));  // unbound: a builtin's (see Call) or a mistake
        break;
      }
      case ExprKind::Field: add(static_cast<const FieldExpr&>(e).field.range, TokenType::Property); break;
      case ExprKind::Record:
        for (const RecordEntry& entry : static_cast<const RecordExpr&>(e).fields) add(entry.name.range, TokenType::Property);
        break;
      case ExprKind::Call: {
        // A method-form call (`xs.contains(x)`) names a builtin or fn, not a field; the tree visits
        // the call before its callee, so this token wins over the field's.
        const auto& c = static_cast<const CallExpr&>(e);
        if (c.callee && c.callee->kind == ExprKind::Field)
          add(static_cast<const FieldExpr&>(*c.callee).field.range, TokenType::Function);
        if (c.callee && c.callee->kind == ExprKind::Name && c.target == CallTarget::Builtin)
          add(static_cast<const NameExpr&>(*c.callee).name.range, TokenType::Function);
        break;
      }
      case ExprKind::Run: {
        const auto& r = static_cast<const RunExpr&>(e);
        add(r.script.range, TokenType::Function);
        add(r.kind_name.range, TokenType::JobKind);
        break;
      }
      default: break;
    }
  }

  // Comments, keywords and annotations, outside the strings the tree found (and the import paths).
  void scan() {
    for (const auto& decl : s_.module().decls)
      if (decl->kind == DeclKind::Import) strings_.push_back(static_cast<const ImportDecl&>(*decl).path_range);
    std::sort(strings_.begin(), strings_.end(), [](SourceRange a, SourceRange b) { return a.begin < b.begin; });
    const auto size = static_cast<uint32_t>(text_.size());
    size_t next_string = 0;
    for (uint32_t i = 0; i < size;) {
      while (next_string < strings_.size() && strings_[next_string].end <= i) ++next_string;
      if (next_string < strings_.size() && i >= strings_[next_string].begin) {
        i = strings_[next_string].end;
        continue;
      }
      const char c = text_[i];
      if (c == '/' && i + 1 < size && (text_[i + 1] == '/' || text_[i + 1] == '*')) {
        const bool line = text_[i + 1] == '/';
        const size_t close = line ? text_.find('\n', i) : text_.find("*/", i + 2);
        uint32_t end = static_cast<uint32_t>(close == std::string::npos ? size : close + (line ? 0 : 2));
        if (line && end > i && text_[end - 1] == '\r') --end;
        add({i, end}, TokenType::Comment, false);
        i = end;
        continue;
      }
      if (c == '@' || word_char(c)) {
        uint32_t end = i + 1;
        while (end < size && word_char(text_[end])) ++end;
        const std::string_view word(text_.data() + i, end - i);
        if (c == '@' && end > i + 1) add({i, end}, TokenType::Annotation, false);
        else if (std::find(keywords().begin(), keywords().end(), word) != keywords().end())
          add({i, end}, TokenType::Keyword, false);
        i = end;
        continue;
      }
      ++i;
    }
    // A scanned word the tree already coloured (a keyword-like name, say) keeps the tree's colour.
    std::vector<SemanticToken> tree = out_;
    std::sort(tree.begin(), tree.end(), [](const SemanticToken& a, const SemanticToken& b) { return a.range.begin < b.range.begin; });
    for (const SemanticToken& t : scanned_) {
      auto after = std::lower_bound(tree.begin(), tree.end(), t.range.end,
                                    [](const SemanticToken& o, uint32_t end) { return o.range.begin < end; });
      const bool covered = after != tree.begin() && std::prev(after)->range.end > t.range.begin;
      if (!covered) out_.push_back(t);
    }
  }

  const Snapshot& s_;
  const std::string& text_;
  std::vector<SemanticToken> out_;
  std::vector<SemanticToken> scanned_;
  std::vector<SourceRange> strings_;
};

}  // namespace

std::vector<SemanticToken> tokens_of(const Snapshot& snapshot) { return Tokenizer(snapshot).run(); }

}  // namespace wf::analysis

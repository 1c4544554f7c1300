// Transformer: expressions, literals, strings (with interpolation and multi-line indentation),
// and the effect expressions `run`, `approve` and `wait event`.
#include <typeinfo>

#include "WfLexer.h"
#include "parse/transformer.h"
#include "syntax/literals.h"

namespace wf {

using wfgen::WfLexer;

namespace {
BinaryOp binary_op(size_t token) {
  switch (token) {
    case WfLexer::PLUS: return BinaryOp::Add;
    case WfLexer::MINUS: return BinaryOp::Sub;
    case WfLexer::STAR: return BinaryOp::Mul;
    case WfLexer::SLASH: return BinaryOp::Div;
    case WfLexer::MOD: return BinaryOp::Mod;
    case WfLexer::EQ: return BinaryOp::Eq;
    case WfLexer::NE: return BinaryOp::Ne;
    case WfLexer::LT: return BinaryOp::Lt;
    case WfLexer::LE: return BinaryOp::Le;
    case WfLexer::GT: return BinaryOp::Gt;
    case WfLexer::GE: return BinaryOp::Ge;
    case WfLexer::AND: return BinaryOp::And;
    default: return BinaryOp::Or;
  }
}
}  // namespace

Own<Expr> Transformer::expr(P::ExprContext* ctx, SourceRange fallback) {
  if (!ctx || !ctx->getStart()) {
    auto e = std::make_unique<ErrorExpr>();
    e->range = {fallback.end, fallback.end};
    return e;
  }
  DepthGuard guard(depth_);
  const SourceRange where = range(ctx);
  if (too_deep(where)) {
    auto e = std::make_unique<ErrorExpr>();
    e->range = where;
    return e;
  }
  const std::type_info& kind = typeid(*ctx);
  Own<Expr> out;
  if (kind == typeid(P::PrimaryExprContext)) {
    out = primary(static_cast<P::PrimaryExprContext*>(ctx)->primary());
  } else if (kind == typeid(P::FieldExprContext)) {
    auto* c = static_cast<P::FieldExprContext*>(ctx);
    auto e = std::make_unique<FieldExpr>();
    e->object = expr(c->expr(), where);
    e->field = ident(c->label());
    out = std::move(e);
  } else if (kind == typeid(P::CallExprContext)) {
    auto* c = static_cast<P::CallExprContext*>(ctx);
    auto e = std::make_unique<CallExpr>();
    e->callee = expr(c->expr(), where);
    e->args = args(c->args());
    e->args_range = SourceRange::cover(range(c->LPAREN()->getSymbol()),
                                       c->RPAREN() ? range(c->RPAREN()->getSymbol()) : where);
    out = std::move(e);
  } else if (kind == typeid(P::BinaryExprContext)) {
    auto* c = static_cast<P::BinaryExprContext*>(ctx);
    auto e = std::make_unique<BinaryExpr>();
    e->op = binary_op(c->op->getType());
    e->op_range = range(c->op);
    e->lhs = expr(c->expr(0), where);
    e->rhs = expr(c->expr().size() > 1 ? c->expr(1) : nullptr, where);
    out = std::move(e);
  } else if (kind == typeid(P::IndexExprContext)) {
    auto* c = static_cast<P::IndexExprContext*>(ctx);
    auto e = std::make_unique<IndexExpr>();
    e->object = expr(c->expr(0), where);
    e->index = expr(c->expr().size() > 1 ? c->expr(1) : nullptr, where);
    out = std::move(e);
  } else if (kind == typeid(P::NegExprContext) || kind == typeid(P::NotExprContext)) {
    auto e = std::make_unique<UnaryExpr>();
    const bool neg = kind == typeid(P::NegExprContext);
    e->op = neg ? UnaryOp::Neg : UnaryOp::Not;
    e->operand = expr(neg ? static_cast<P::NegExprContext*>(ctx)->expr() : static_cast<P::NotExprContext*>(ctx)->expr(),
                      where);
    out = std::move(e);
  }
  if (!out) out = std::make_unique<ErrorExpr>();
  out->range = where;
  return out;
}

std::vector<Arg> Transformer::args(P::ArgsContext* ctx) {
  std::vector<Arg> out;
  if (!ctx) return out;
  for (auto* a : ctx->arg()) {
    Arg arg;
    arg.range = range(a);
    if (a->ident()) arg.name = ident(a->ident());
    arg.value = expr(a->expr(), arg.range);
    out.push_back(std::move(arg));
  }
  return out;
}

Own<Expr> Transformer::primary(P::PrimaryContext* ctx) {
  if (!ctx) return std::make_unique<ErrorExpr>();
  const std::type_info& kind = typeid(*ctx);
  const SourceRange where = range(ctx);
  const std::string text = kind == typeid(P::NameExprContext) || kind == typeid(P::IntLitContext) ||
                                   kind == typeid(P::DurationLitContext) || kind == typeid(P::FloatLitContext) ||
                                   kind == typeid(P::PercentLitContext)
                               ? text_of(ctx)
                               : std::string();
  Own<Expr> out;
  if (kind == typeid(P::NameExprContext)) {
    auto e = std::make_unique<NameExpr>();
    e->name = {text, where};
    out = std::move(e);
  } else if (kind == typeid(P::StringExprContext)) {
    out = string(static_cast<P::StringExprContext*>(ctx)->stringLit());
  } else if (kind == typeid(P::IntLitContext)) {
    auto e = std::make_unique<IntExpr>();
    if (auto v = decode_int(text)) e->value = *v;
    else error(DiagCode::BadLiteral, where, "integer literal `" + text + "` does not fit in 64 bits");
    out = std::move(e);
  } else if (kind == typeid(P::DurationLitContext)) {
    auto e = std::make_unique<DurationExpr>();
    if (auto v = decode_duration(text)) e->millis = *v;
    else error(DiagCode::BadLiteral, where,
               "bad duration `" + text + "`: write amounts with units d, h, m, s, ms in that order, like `1h30m`");
    out = std::move(e);
  } else if (kind == typeid(P::FloatLitContext)) {
    auto e = std::make_unique<FloatExpr>();
    if (auto v = decode_float(text)) e->value = *v;
    else error(DiagCode::BadLiteral, where, "float literal `" + text + "` is out of range");
    out = std::move(e);
  } else if (kind == typeid(P::PercentLitContext)) {
    auto e = std::make_unique<PercentExpr>();
    if (auto v = decode_percent(text)) e->value = *v;
    else error(DiagCode::BadLiteral, where, "percentage `" + text + "` is not within 0% to 100%");
    out = std::move(e);
  } else if (kind == typeid(P::BoolLitContext)) {
    auto e = std::make_unique<BoolExpr>();
    e->value = static_cast<P::BoolLitContext*>(ctx)->TRUE() != nullptr;
    out = std::move(e);
  } else if (kind == typeid(P::NoneLitContext)) {
    out = std::make_unique<NoneExpr>();
  } else if (kind == typeid(P::ParenExprContext)) {
    out = expr(static_cast<P::ParenExprContext*>(ctx)->expr(), where);
  } else if (kind == typeid(P::ListLitContext)) {
    auto e = std::make_unique<ListExpr>();
    for (auto* item : static_cast<P::ListLitContext*>(ctx)->expr()) e->items.push_back(expr(item, where));
    out = std::move(e);
  } else if (kind == typeid(P::RecordLitContext)) {
    auto entries = static_cast<P::RecordLitContext*>(ctx)->entry();
    const bool is_map = !entries.empty() && entries[0]->stringLit() != nullptr;
    if (is_map) {
      auto e = std::make_unique<MapExpr>();
      for (auto* entry : entries) {
        MapEntry m;
        if (auto key = string(entry->stringLit())) {
          m.key = key->plain_text();
          m.key_range = key->range;
          if (!key->is_plain()) error(DiagCode::SyntaxError, key->range, "a map key must be a plain string");
        } else {
          m.key_range = range(entry);
          error(DiagCode::SyntaxError, m.key_range, "a map literal's keys are all strings: `{\"key\": value}`");
        }
        m.value = expr(entry->expr(), range(entry));
        e->entries.push_back(std::move(m));
      }
      out = std::move(e);
    } else {
      auto e = std::make_unique<RecordExpr>();
      for (auto* entry : entries) {
        RecordEntry r;
        if (entry->label()) r.name = ident(entry->label());
        else error(DiagCode::SyntaxError, range(entry), "a record literal's field names are identifiers: `{name: value}`");
        r.value = expr(entry->expr(), range(entry));
        e->fields.push_back(std::move(r));
      }
      out = std::move(e);
    }
  } else if (kind == typeid(P::RunExprContext)) {
    out = run(static_cast<P::RunExprContext*>(ctx));
  } else if (kind == typeid(P::ApproveExprContext)) {
    out = approve(static_cast<P::ApproveExprContext*>(ctx));
  } else if (kind == typeid(P::WaitExprContext)) {
    auto* c = static_cast<P::WaitExprContext*>(ctx);
    auto e = std::make_unique<WaitEventExpr>();
    auto exprs = c->expr();
    e->event = expr(exprs.size() > 0 ? exprs[0] : nullptr, where);
    if (c->TIMEOUT()) e->timeout = expr(exprs.size() > 1 ? exprs[1] : nullptr, where);
    out = std::move(e);
  }
  if (!out) out = std::make_unique<ErrorExpr>();
  out->range = where;
  return out;
}

Own<Expr> Transformer::run(P::RunExprContext* ctx) {
  auto e = std::make_unique<RunExpr>();
  const SourceRange where = range(ctx);
  P::JobSpecContext* spec = ctx->jobSpec();
  if (auto* s = dynamic_cast<P::ScriptJobContext*>(spec)) {
    e->job = JobKind::Script;
    e->script = ident(s->ID());
    e->has_script_args = s->LPAREN() != nullptr;
    e->script_args = args(s->args());
  } else if (auto* c = dynamic_cast<P::CommandJobContext*>(spec)) {
    e->job = JobKind::Command;
    e->payload = expr(c->expr(), where);
  } else if (auto* k = dynamic_cast<P::KindJobContext*>(spec)) {
    e->job = JobKind::Typed;
    e->kind_name = ident(k->ID());
    e->payload = expr(k->expr(), where);
  } else {
    e->payload = expr(nullptr, where);
  }
  auto seen = [&](const char* name, antlr4::ParserRuleContext* clause) {
    const SourceRange r = range(clause);
    for (const auto& [n, _] : e->clauses)
      if (n == name) error(DiagCode::BadAnnotation, r, std::string("`") + name + "` is given twice");
    e->clauses.emplace_back(name, r);
  };
  for (auto* clause : ctx->runClause()) {
    const std::type_info& kind = typeid(*clause);
    if (kind == typeid(P::RunOnContext)) {
      seen("on", clause);
      e->on = expr(static_cast<P::RunOnContext*>(clause)->expr(), range(clause));
    } else if (kind == typeid(P::RunTimeoutContext)) {
      seen("timeout", clause);
      e->timeout = expr(static_cast<P::RunTimeoutContext*>(clause)->expr(), range(clause));
    } else if (kind == typeid(P::RunRetryContext)) {
      seen("retry", clause);
      auto* r = static_cast<P::RunRetryContext*>(clause);
      auto x = r->expr();
      e->retry = retry(r, x.size() > 0 ? x[0] : nullptr, r->EVERY() && x.size() > 1 ? x[1] : nullptr,
                       r->BACKOFF() && x.size() > 1 ? x.back() : nullptr);
    } else if (kind == typeid(P::RunAsContext)) {
      seen("as", clause);
      e->as = expr(static_cast<P::RunAsContext*>(clause)->expr(), range(clause));
    } else if (kind == typeid(P::RunPriorityContext)) {
      seen("priority", clause);
      e->priority = ident(static_cast<P::RunPriorityContext*>(clause)->ID());
    } else if (kind == typeid(P::RunCanaryContext)) {
      seen("canary", clause);
      e->canary = true;
    } else if (kind == typeid(P::RunAllowFailureContext)) {
      seen("allow_failure", clause);
      e->allow_failure = true;
    }
  }
  return e;
}

Own<Expr> Transformer::approve(P::ApproveExprContext* ctx) {
  auto e = std::make_unique<ApproveExpr>();
  const SourceRange where = range(ctx);
  e->title = expr(ctx->expr(), where);
  for (auto* clause : ctx->approveClause()) {
    const SourceRange r = range(clause);
    const char* name = dynamic_cast<P::ApproveByContext*>(clause)        ? "by"
                       : dynamic_cast<P::ApproveQuorumContext*>(clause) ? "quorum"
                                                                         : "timeout";
    for (const auto& [n, _] : e->clauses)
      if (n == name) error(DiagCode::BadAnnotation, r, std::string("`") + name + "` is given twice");
    e->clauses.emplace_back(name, r);
    if (auto* by = dynamic_cast<P::ApproveByContext*>(clause)) e->by = expr(by->expr(), r);
    else if (auto* q = dynamic_cast<P::ApproveQuorumContext*>(clause)) e->quorum = ident(q->ID());
    else if (auto* t = dynamic_cast<P::ApproveTimeoutContext*>(clause)) e->timeout = expr(t->expr(), r);
  }
  return e;
}

Own<StringExpr> Transformer::string(P::StringLitContext* ctx) {
  if (!ctx) return nullptr;
  auto s = std::make_unique<StringExpr>();
  s->range = range(ctx);
  const std::type_info& kind = typeid(*ctx);
  auto add_text = [&](std::string text, SourceRange r) {
    if (!s->parts.empty() && !s->parts.back().expr) {
      s->parts.back().text += text;
      s->parts.back().range = SourceRange::cover(s->parts.back().range, r);
    } else {
      s->parts.push_back({std::move(text), nullptr, r});
    }
  };
  if (kind == typeid(P::RawStringContext) || kind == typeid(P::RawMultiLineStringContext)) {
    s->raw = true;
    const std::string text = text_of(ctx);
    const bool multi = kind == typeid(P::RawMultiLineStringContext);
    const size_t open = multi ? 4 : 2, close = multi ? 3 : 1;
    add_text(text.size() >= open + close ? text.substr(open, text.size() - open - close) : std::string(), s->range);
    if (multi) strip_indentation(*s);
    return s;
  }
  std::vector<P::StrPartContext*> parts;
  const bool multi = kind == typeid(P::MultiLineStringContext);
  if (multi) parts = static_cast<P::MultiLineStringContext*>(ctx)->strPart();
  else {
    auto* plain = static_cast<P::PlainStringContext*>(ctx);
    parts = plain->strPart();
    if (plain->STR_UNTERMINATED()) error(DiagCode::SyntaxError, s->range, "unterminated string: add the closing `\"`");
  }
  for (auto* part : parts) {
    const SourceRange r = range(part);
    if (auto* t = dynamic_cast<P::TextPartContext*>(part)) {
      add_text(text_of(t), r);
    } else if (auto* esc = dynamic_cast<P::EscapePartContext*>(part)) {
      const std::string text = text_of(esc);
      auto decoded = text.size() == 2 ? decode_escape(text[1]) : std::nullopt;
      if (!decoded) error(DiagCode::SyntaxError, r, "unknown escape `" + text + "`; known are \\n \\t \\r \\\" \\\\ \\{ \\0");
      // Escapes are kept apart from literal text until indentation is stripped (see below).
      s->parts.push_back({std::string(1, decoded.value_or('?')), nullptr, r});
      s->parts.back().range.end = r.end;
      s->parts.back().range.begin = r.begin;
      s->parts.push_back({std::string(), nullptr, {r.end, r.end}});  // a boundary: escapes never merge into text
    } else if (auto* interp = dynamic_cast<P::InterpPartContext*>(part)) {
      s->parts.push_back({std::string(), expr(interp->expr(), r), r});
    }
  }
  if (multi) strip_indentation(*s);
  // Merge adjacent text pieces now that indentation no longer depends on where escapes were.
  std::vector<StringPart> merged;
  for (auto& p : s->parts) {
    if (!p.expr && !merged.empty() && !merged.back().expr) {
      merged.back().text += p.text;
      merged.back().range = SourceRange::cover(merged.back().range, p.range);
    } else if (p.expr || !p.text.empty() || p.range.begin != p.range.end) {
      merged.push_back(std::move(p));
    }
  }
  s->parts = std::move(merged);
  return s;
}

// Multi-line strings: drop the newline right after the opening quotes and the last line when it
// holds only the indentation of the closing quotes, then remove the indentation common to all
// non-blank lines. Interpolations count as content; escapes were decoded into their own parts so
// an escaped `\n` does not start a line here.
void Transformer::strip_indentation(StringExpr& s) {
  auto is_escape = [](const StringPart& p) { return !p.expr && p.text.size() == 1 && p.range.end - p.range.begin == 2; };
  auto& parts = s.parts;
  if (parts.empty()) return;
  // Leading newline.
  if (!parts.front().expr && !is_escape(parts.front())) {
    std::string& t = parts.front().text;
    size_t i = 0;
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
    if (i < t.size() && t[i] == '\n') t.erase(0, i + 1);
    else if (i + 1 < t.size() && t[i] == '\r' && t[i + 1] == '\n') t.erase(0, i + 2);
  }
  // Trailing line of spaces only.
  if (!parts.back().expr && !is_escape(parts.back())) {
    std::string& t = parts.back().text;
    size_t j = t.size();
    while (j > 0 && (t[j - 1] == ' ' || t[j - 1] == '\t')) --j;
    if (j > 0 && t[j - 1] == '\n') t.erase(j);
  }
  // Common indentation: scan line starts (start of string and after each literal newline).
  size_t common = std::string::npos;
  bool at_line_start = true;
  for (size_t pi = 0; pi < parts.size(); ++pi) {
    const StringPart& p = parts[pi];
    if (p.expr || is_escape(p)) {
      if (at_line_start) common = 0;
      at_line_start = false;
      continue;
    }
    const std::string& t = p.text;
    for (size_t i = 0; i < t.size(); ++i) {
      if (!at_line_start) {
        if (t[i] == '\n') at_line_start = true;
        continue;
      }
      size_t j = i;
      while (j < t.size() && (t[j] == ' ' || t[j] == '\t')) ++j;
      const bool blank = j == t.size() ? (pi + 1 == parts.size()) : (t[j] == '\n' || t[j] == '\r');
      if (!blank) common = std::min(common, j - i);
      at_line_start = false;
      i = j - 1;
      if (j < t.size() && t[j] == '\n') { at_line_start = true; i = j; }
    }
  }
  if (common == 0 || common == std::string::npos) return;
  at_line_start = true;
  for (auto& p : parts) {
    if (p.expr || is_escape(p)) { at_line_start = false; continue; }
    std::string out;
    const std::string& t = p.text;
    for (size_t i = 0; i < t.size();) {
      if (at_line_start) {
        size_t k = 0;
        while (k < common && i < t.size() && (t[i] == ' ' || t[i] == '\t')) { ++i; ++k; }
        at_line_start = false;
        continue;
      }
      out.push_back(t[i]);
      if (t[i] == '\n') at_line_start = true;
      ++i;
    }
    p.text = std::move(out);
  }
}

}  // namespace wf

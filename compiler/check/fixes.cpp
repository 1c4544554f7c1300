// The edits the checker's diagnostics suggest, which `wf check` shows as "help:" and the language
// server offers as quick fixes: the closest known name for a mistyped one, a `none` check around
// a use of an optional, and `float(...)` around an int where a float is needed.
#include <fmt/format.h>

#include <algorithm>

#include "check/checker_impl.h"
#include "check/suggest.h"

namespace wf {

std::string_view Checker::source_text(SourceRange where) const {
  if (file_ >= in_.sources.size() || !in_.sources[file_]) return {};
  const SourceFile& file = *in_.sources[file_];
  if (where.end > file.text().size() || where.begin > where.end) return {};
  return file.slice(where);
}

void Checker::suggest_name(Diagnostic& d, SourceRange where, const std::string& name, const std::vector<std::string>& candidates) {
  if (auto best = closest_name(name, candidates))
    d.fix = DiagFix{fmt::format("did you mean `{}`?", *best), Location{file_, where}, *best};
}

std::vector<std::string> Checker::value_names() const {
  std::vector<std::string> out;
  // Innermost scopes first, so a tie goes to the nearest binding; each level in name order, so
  // the suggestion does not depend on hash order.
  auto add_sorted = [&out](std::vector<std::string> level) {
    std::sort(level.begin(), level.end());
    out.insert(out.end(), level.begin(), level.end());
  };
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    std::vector<std::string> level;
    for (const auto& [name, binding] : it->names) level.push_back(name);
    add_sorted(std::move(level));
  }
  std::vector<std::string> module_level;
  for (const auto& [name, binding] : modules_[file_].values)
    if (binding->kind == BindingKind::Const) module_level.push_back(name);
  add_sorted(std::move(module_level));
  return out;
}

void Checker::suggest_none_check(Diagnostic& d, const Expr* e) {
  if (!e || e->kind != ExprKind::Name || !statement_) return;
  // Only a statement that stays valid inside a block: wrapping a `let` would end its scope early,
  // and compound statements have blocks of their own.
  switch (statement_->kind) {
    case StmtKind::Expr: case StmtKind::Assign: case StmtKind::Return: case StmtKind::Log:
    case StmtKind::Fail: case StmtKind::Notify: case StmtKind::Sleep:
      break;
    default:
      return;
  }
  const std::string_view text = source_text(statement_->range);
  if (text.empty() || text.find('\n') != std::string_view::npos) return;
  // Indent the wrapped statement one level deeper than the line it starts on.
  const SourceFile& file = *in_.sources[file_];
  const uint32_t line_begin = file.line_start(file.position(statement_->range.begin).line);
  std::string indent(file.slice({line_begin, statement_->range.begin}));
  for (char& c : indent)
    if (c != '\t') c = ' ';
  const std::string& name = static_cast<const NameExpr*>(e)->name.text;
  d.fix = DiagFix{fmt::format("check it first: `if {} != none {{ ... }}`", name), Location{file_, statement_->range},
                  fmt::format("if {} != none {{\n{}  {}\n{}}}", name, indent, text, indent)};
}

void Checker::suggest_float(Diagnostic& d, SourceRange where) {
  const std::string_view text = source_text(where);
  if (text.empty()) return;
  d.fix = DiagFix{fmt::format("convert it: `float({})`", text), Location{file_, where}, fmt::format("float({})", text)};
}

}  // namespace wf

// Folding ranges. Strings come from the syntax tree (only the parser knows where an interpolation
// inside a string ends); braces and comments from a scan of the text that skips those strings, so
// that a `{` in a string or a comment never opens a fold and every record, block and body folds.
#include <algorithm>

#include "analysis/features.h"
#include "syntax/ast_walk.h"

namespace wf::analysis {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::vector<Fold> folds_of(const Snapshot& snapshot) {
  const std::string& text = snapshot.document().text();
  const auto size = static_cast<uint32_t>(text.size());
  auto spans_lines = [&](uint32_t begin, uint32_t end) {
    return std::find(text.begin() + begin, text.begin() + end, '\n') != text.begin() + end;
  };

  // The document's strings, outermost only (an interpolation's strings lie inside its string).
  std::vector<SourceRange> strings;
  AstVisitor v;
  v.on_expr = [&](Expr& e) {
    if (e.kind != ExprKind::String) return;
    if (!strings.empty() && e.range.begin < strings.back().end) return;  // pre-order: nested
    strings.push_back(e.range);
  };
  for (const auto& decl : snapshot.module().decls) {
    if (decl->kind == DeclKind::Import) strings.push_back(static_cast<const ImportDecl&>(*decl).path_range);
    walk(mutable_decl(*decl), v);
  }
  std::sort(strings.begin(), strings.end(), [](SourceRange a, SourceRange b) { return a.begin < b.begin; });

  std::vector<Fold> out;
  for (SourceRange r : strings)
    if (r.end <= size && r.begin < r.end && spans_lines(r.begin, r.end)) out.push_back({Fold::Kind::Region, r});

  std::vector<uint32_t> open;                 // offsets of unclosed `{`
  uint32_t comment_begin = 0, comment_end = 0;  // the current run of line comments
  int comment_lines = 0;
  bool line_has_code = false;  // on the current line, before this point
  bool line_blank = true;      // nothing at all on the current line yet; a blank line ends a run
  auto close_comments = [&] {
    if (comment_lines >= 2) out.push_back({Fold::Kind::Comment, {comment_begin, comment_end}});
    comment_lines = 0;
  };
  size_t next_string = 0;
  for (uint32_t i = 0; i < size;) {
    if (next_string < strings.size() && i >= strings[next_string].begin) {
      i = std::max(i, strings[next_string++].end);
      close_comments();
      line_has_code = true;
      line_blank = false;
      continue;
    }
    const char c = text[i];
    if (c == '\n') {
      if (line_blank) close_comments();
      line_has_code = false;
      line_blank = true;
      ++i;
      continue;
    }
    if (is_space(c)) {
      ++i;
      continue;
    }
    line_blank = false;
    if (c == '/' && i + 1 < size && text[i + 1] == '/') {
      const auto eol = static_cast<uint32_t>(std::min(text.find('\n', i), text.size()));
      uint32_t end = eol;
      while (end > i && is_space(text[end - 1])) --end;
      if (!line_has_code) {
        // A comment alone on its line joins the run the line before it ended.
        if (comment_lines == 0) comment_begin = i;
        comment_end = end;
        ++comment_lines;
      }
      i = eol;
      continue;
    }
    if (c == '/' && i + 1 < size && text[i + 1] == '*') {
      const size_t close = text.find("*/", i + 2);
      const auto end = static_cast<uint32_t>(close == std::string::npos ? text.size() : close + 2);
      if (spans_lines(i, end)) out.push_back({Fold::Kind::Comment, {i, end}});
      i = end;
      line_has_code = true;
      continue;
    }
    close_comments();
    line_has_code = true;
    if (c == '{') open.push_back(i);
    else if (c == '}' && !open.empty()) {
      const uint32_t begin = open.back();
      open.pop_back();
      uint32_t end = i;
      while (end > begin + 1 && is_space(text[end - 1])) --end;
      if (spans_lines(begin, i) && end > begin + 1 && spans_lines(begin, end)) out.push_back({Fold::Kind::Region, {begin, end}});
    }
    ++i;
  }
  close_comments();
  std::sort(out.begin(), out.end(), [](const Fold& a, const Fold& b) { return a.range.begin < b.range.begin; });
  return out;
}

}  // namespace wf::analysis

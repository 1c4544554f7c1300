// The canonical layout (see docs/language.md, "Formatting: `wf fmt`"). The formatter works on
// the token stream, not on the syntax tree, so every comment stays where it was; the parse only
// supplies the roles that tokens alone cannot tell (a block's brace from a record's, a call's `(`
// from a grouping one, a negation's `-`, a type's `<`).
//
// The layout is a function of the tokens and of the line breaks the author chose, which it
// keeps, except that:
//   - `;` between statements becomes a line break, and a block's `{` ends its line and its `}`
//     starts one, so every statement, setting and `branch` has a line of its own;
//   - `} else`, `} catch` and `} finally` are joined onto one line;
//   - runs of blank lines become one, and none is kept at the start or end of the file, after a
//     line that ends with an opening bracket, or before a closing one.
// A line's indentation is fixed by the brackets open at its start: two spaces per block, two for
// the contents of a `(`, `[` or record `{` whose contents start on a later line, four more for a
// line that continues a statement (a clause line of `run`, `approve`, `notify`, ...) or an item
// inside brackets. The output therefore depends on neither the old indentation nor the old
// spacing, which is what makes formatting idempotent.
#include "format/layout.h"

#include <cstddef>
#include <utility>

namespace wf::format {

namespace {

constexpr int kIndent = 2;        // per block, and for the contents of an open bracket
constexpr int kContinuation = 4;  // a line that continues a statement or an item
constexpr size_t kNone = static_cast<size_t>(-1);

enum class UnitKind { Code, Comment, Newline };

// What the layout places: a token, or a whole string literal (its interpolations included),
// which is copied byte for byte.
struct Unit {
  UnitKind kind = UnitKind::Code;
  std::string name;  // the lexer's kind; "STRING" for a quoted string literal
  std::string text;
  uint16_t roles = kRoleNone;
};

bool is(const Unit& u, std::string_view name) { return u.kind == UnitKind::Code && u.name == name; }
bool is_opener(const Unit& u) { return is(u, "LPAREN") || is(u, "LBRACK") || is(u, "LBRACE"); }
bool is_closer(const Unit& u) { return is(u, "RPAREN") || is(u, "RBRACK") || is(u, "RBRACE"); }
bool has(const Unit& u, uint16_t role) { return u.kind == UnitKind::Code && (u.roles & role) != 0; }
bool is_block_open(const Unit& u) { return is(u, "LBRACE") && has(u, kRoleBlockBrace); }
bool is_block_close(const Unit& u) { return is(u, "RBRACE") && has(u, kRoleBlockBrace); }
// `else`, `catch`, `finally` continuing a statement (as a record field or setting name they do not).
bool follows_block(const Unit& u) {
  return (is(u, "ELSE") || is(u, "CATCH") || is(u, "FINALLY")) && !has(u, kRoleItemStart);
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f'; }

}  // namespace

// Trailing blanks go, on every line of a comment too (never inside a string).
std::string without_trailing_blanks(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      while (!out.empty() && is_blank(out.back())) out.pop_back();
    }
    out += c;
  }
  while (!out.empty() && is_blank(out.back())) out.pop_back();
  return out;
}

namespace {

std::vector<Unit> make_units(std::string_view text, const std::vector<SourceToken>& tokens) {
  std::vector<Unit> units;
  units.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const SourceToken& t = tokens[i];
    if (t.kind == "SEMI") continue;  // a separator: the line break that replaces it comes from the next item
    if (t.kind == "NL") {
      units.push_back({UnitKind::Newline, t.kind, "", kRoleNone});
    } else if (t.hidden) {
      units.push_back({UnitKind::Comment, t.kind, without_trailing_blanks(t.text), kRoleNone});
    } else if (t.kind == "STR_OPEN" || t.kind == "ML_OPEN") {
      // Strings nest through interpolations: `"{{ f("x") }}"` is one literal.
      size_t depth = 0;
      size_t j = i;
      for (; j < tokens.size(); ++j) {
        const std::string& k = tokens[j].kind;
        if (k == "STR_OPEN" || k == "ML_OPEN") ++depth;
        else if ((k == "STR_CLOSE" || k == "ML_CLOSE" || k == "STR_UNTERMINATED") && --depth == 0) break;
      }
      if (j == tokens.size()) j = tokens.size() - 1;
      units.push_back({UnitKind::Code, "STRING", std::string(text.substr(t.begin, tokens[j].end - t.begin)), t.roles});
      i = j;
    } else {
      units.push_back({UnitKind::Code, t.kind, t.text, t.roles});
    }
  }
  return units;
}

struct Line {
  std::vector<size_t> units;  // indices into the units
  bool blank_before = false;
  int indent = 0;
};

// `else`, `catch` or `finally` at `i` with nothing but line breaks between it and a block's `}`.
bool joins_block_close(const std::vector<Unit>& units, size_t i) {
  if (!follows_block(units[i])) return false;
  size_t j = i;
  while (j > 0 && units[j - 1].kind == UnitKind::Newline) --j;
  return j > 0 && j < i && is_block_close(units[j - 1]);
}

size_t next_non_newline(const std::vector<Unit>& units, size_t i) {
  while (i < units.size() && units[i].kind == UnitKind::Newline) ++i;
  return i;
}

// Splits the units into output lines: the author's line breaks, plus the breaks the layout
// requires, minus the ones it joins.
std::vector<Line> break_lines(const std::vector<Unit>& units) {
  std::vector<Line> lines;
  Line current;
  bool current_has_code = false;
  int newlines = 0;              // line breaks seen since the last unit placed
  bool break_requested = false;  // after a block's `{`: its contents start on a new line
  for (size_t i = 0; i < units.size(); ++i) {
    const Unit& u = units[i];
    if (u.kind == UnitKind::Newline) {
      ++newlines;
      continue;
    }
    bool force = false;
    if (u.kind == UnitKind::Code) {
      const bool empty_block = !current.units.empty() && is_block_open(units[current.units.back()]);
      force = break_requested || (current_has_code && has(u, kRoleBreakBefore)) ||
              (!current.units.empty() && is_block_close(u) && !empty_block);
      if (joins_block_close(units, i)) {
        newlines = 0;
        force = false;
      }
    }
    // A comment right after a block's `{` stays on its line: the requested break comes after it.
    if (newlines > 0 || u.kind == UnitKind::Code) break_requested = false;
    if (!current.units.empty() && (newlines > 0 || force)) {
      lines.push_back(std::move(current));
      current = Line{};
      current_has_code = false;
      current.blank_before = newlines >= 2;
    }
    current.units.push_back(i);
    newlines = 0;
    if (u.kind != UnitKind::Code) continue;
    current_has_code = true;
    if (is_block_open(u)) {
      const size_t next = next_non_newline(units, i + 1);
      if (next < units.size() && is_block_close(units[next])) i = next - 1;  // an empty block stays `{}`
      else break_requested = true;
    }
  }
  if (!current.units.empty()) lines.push_back(std::move(current));

  // Blank lines only between things: not after an opening bracket, not before a closing one.
  for (size_t k = 0; k < lines.size(); ++k) {
    Line& line = lines[k];
    if (!line.blank_before) continue;
    if (k == 0 || is_closer(units[line.units.front()])) {
      line.blank_before = false;
      continue;
    }
    for (auto it = lines[k - 1].units.rbegin(); it != lines[k - 1].units.rend(); ++it) {
      if (units[*it].kind != UnitKind::Code) continue;
      if (is_opener(units[*it])) line.blank_before = false;
      break;
    }
  }
  return lines;
}

// An open bracket, or the file itself (the bottom of the stack).
struct Open {
  bool block = true;  // a block, settings, `parallel`, or the file: items are statements
  int anchor = 0;     // the indentation of the line that closes it
  int content = 0;    // the indentation of an item inside it
  int item = 0;       // blocks: the indentation of the current item's first line
  size_t opener = kNone;
};

void indent_lines(const std::vector<Unit>& units, std::vector<Line>& lines) {
  std::vector<Open> open{Open{}};
  std::vector<size_t> comment_lines;  // lines of comments only, indented like the code after them
  size_t last_code = kNone;
  const auto innermost_block = [&]() -> Open& {
    for (auto it = open.rbegin(); it != open.rend(); ++it)
      if (it->block) return *it;
    return open.front();
  };
  for (size_t k = 0; k < lines.size(); ++k) {
    Line& line = lines[k];
    size_t first = kNone;
    for (size_t u : line.units) {
      if (units[u].kind == UnitKind::Code) {
        first = u;
        break;
      }
    }
    if (first == kNone) {
      comment_lines.push_back(k);
      continue;
    }
    const Unit& f = units[first];
    Open& top = open.back();
    int indent = 0;
    int inside = 0;  // for the comments just above: a comment before a `}` belongs inside
    if (is_closer(f) && open.size() > 1) {
      indent = top.anchor;
      inside = top.content;
    } else if (follows_block(f) && top.block) {
      indent = inside = innermost_block().item;
    } else if (top.block) {
      if (has(f, kRoleItemStart)) {
        indent = top.content;
        top.item = indent;
      } else {
        indent = top.item + kContinuation;
      }
      inside = indent;
    } else {
      const bool item = last_code == top.opener || (last_code != kNone && is(units[last_code], "COMMA"));
      indent = inside = top.content + (item ? 0 : kContinuation);
    }
    for (size_t c : comment_lines) lines[c].indent = inside;
    comment_lines.clear();
    line.indent = indent;
    for (size_t u : line.units) {
      const Unit& c = units[u];
      if (c.kind != UnitKind::Code) continue;
      if (is_block_open(c)) {
        // A block belongs to its statement, whose first line may be above this one.
        const int anchor = innermost_block().item;
        open.push_back(Open{true, anchor, anchor + kIndent, anchor + kIndent, u});
      } else if (is_opener(c)) {
        open.push_back(Open{false, indent, indent + kIndent, 0, u});
      } else if (is_closer(c) && open.size() > 1) {
        open.pop_back();
      }
      last_code = u;
    }
  }
  for (size_t c : comment_lines) lines[c].indent = open.back().content;
}

// Whether a space separates two units on one line.
bool space_between(const Unit& prev, const Unit& next) {
  if (next.kind == UnitKind::Comment) return true;
  if (is(next, "COMMA") || is(next, "RPAREN") || is(next, "RBRACK") || is(next, "COLON") || is(next, "QUESTION") ||
      is(next, "DOT"))
    return false;
  if (is(next, "RBRACE")) return !is(prev, "LBRACE") && is_block_close(next);
  if ((is(next, "LPAREN") || is(next, "LBRACK")) && has(next, kRoleAttached)) return false;
  if (has(next, kRoleTypeAngle)) return false;
  if (prev.kind == UnitKind::Comment) return true;
  if (is(prev, "LPAREN") || is(prev, "LBRACK") || is(prev, "DOT") || is(prev, "AT")) return false;
  if (is(prev, "LBRACE") && !is_block_open(prev)) return false;
  if (is(prev, "MINUS") && has(prev, kRoleUnary)) return is(next, "MINUS");  // `- -x`, not `--x`
  if (is(prev, "LT") && has(prev, kRoleTypeAngle)) return false;
  return true;
}

}  // namespace

std::string lay_out(std::string_view text, const std::vector<SourceToken>& tokens) {
  const std::vector<Unit> units = make_units(text, tokens);
  std::vector<Line> lines = break_lines(units);
  indent_lines(units, lines);
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const Line& line : lines) {
    if (line.blank_before) out += '\n';
    out.append(static_cast<size_t>(line.indent), ' ');
    const Unit* prev = nullptr;
    for (size_t u : line.units) {
      if (prev != nullptr && space_between(*prev, units[u])) out += ' ';
      out += units[u].text;
      prev = &units[u];
    }
    out += '\n';
  }
  return out;
}

}  // namespace wf::format

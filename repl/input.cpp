// Input assembly (see input.h). A small scanner that follows the lexer's modes — code, "..."
// strings, """...""" strings, `{{ }}` interpolations inside either, comments — just far enough
// to count brackets; it never reports errors, which are the parser's job.
#include "repl/input.h"

#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace wf::repl {

namespace {

enum class Mode { Code, String, MlString, Interp };

struct Frame {
  Mode mode;
  int braces = 0;  // `{` opened inside an interpolation, so its `}}` is found
};

bool starts(std::string_view s, size_t i, std::string_view what) { return s.substr(i, what.size()) == what; }

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Whether code ending in `tail` (trailing spaces removed) continues on the next line: the
// newline filter's list of tokens after which a newline is dropped (docs/architecture.md §6).
bool ends_in_continuation(std::string_view tail) {
  if (tail.empty()) return false;
  static constexpr std::array<std::string_view, 13> kSymbols = {"==", "!=", "<=", ">=", "->", "+", "-", "*",
                                                                "/",  "%",  "<",  ",",  ":"};
  for (std::string_view s : kSymbols)
    if (tail.ends_with(s)) return true;
  const char last = tail.back();
  if (last == '=' || last == '.') return true;
  size_t start = tail.size();
  while (start > 0 && is_word(tail[start - 1])) --start;
  const std::string_view word = tail.substr(start);
  return word == "and" || word == "or" || word == "not";
}

struct Scan {
  int depth = 0;          // ( [ { in code, interpolations included
  bool open = false;      // a """ string, raw string or block comment runs past the end
  size_t code_end = 0;    // just after the last significant character of top-level code
};

Scan scan(std::string_view s) {
  Scan out;
  std::vector<Frame> stack{{Mode::Code}};
  size_t i = 0;
  while (i < s.size()) {
    Frame& top = stack.back();
    const char c = s[i];
    if (top.mode == Mode::String || top.mode == Mode::MlString) {
      if (c == '\\') {
        i += 2;
      } else if (starts(s, i, "{{")) {
        stack.push_back({Mode::Interp});
        i += 2;
      } else if (top.mode == Mode::String && (c == '"' || c == '\n')) {
        // An unterminated string ends at the end of its line, as the lexer has it.
        stack.pop_back();
        ++i;
        if (stack.size() == 1) out.code_end = i;
      } else if (top.mode == Mode::MlString && starts(s, i, "\"\"\"")) {
        stack.pop_back();
        i += 3;
        if (stack.size() == 1) out.code_end = i;
      } else {
        ++i;
      }
      continue;
    }
    // Code, at the top or inside an interpolation.
    if (starts(s, i, "//")) {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (starts(s, i, "/*")) {
      const size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) {
        out.open = true;
        return out;
      }
      i = end + 2;
      continue;
    }
    if (starts(s, i, "r\"\"\"")) {
      const size_t end = s.find("\"\"\"", i + 4);
      if (end == std::string_view::npos) {
        out.open = true;
        return out;
      }
      i = end + 3;
    } else if (starts(s, i, "r\"") && (i == 0 || !is_word(s[i - 1]))) {
      i += 2;
      while (i < s.size() && s[i] != '"' && s[i] != '\n') ++i;
      if (i < s.size()) ++i;
    } else if (starts(s, i, "\"\"\"")) {
      stack.push_back({Mode::MlString});
      i += 3;
      continue;
    } else if (c == '"') {
      stack.push_back({Mode::String});
      ++i;
      continue;
    } else if (top.mode == Mode::Interp && starts(s, i, "}}") && top.braces == 0) {
      stack.pop_back();
      i += 2;
      continue;
    } else if (c == '(' || c == '[' || c == '{') {
      ++out.depth;
      if (top.mode == Mode::Interp && c == '{') ++top.braces;
      ++i;
    } else if (c == ')' || c == ']' || c == '}') {
      --out.depth;
      if (top.mode == Mode::Interp && c == '}') --top.braces;
      ++i;
    } else {
      ++i;
      if (std::isspace(static_cast<unsigned char>(c))) continue;
    }
    if (stack.size() == 1) out.code_end = i;
  }
  if (stack.size() > 1) {
    // A "..." string still open at the very end ends there; anything else runs on.
    for (const Frame& f : stack)
      if (f.mode != Mode::Code && f.mode != Mode::String) out.open = true;
    if (stack.back().mode == Mode::Interp) out.open = true;
  }
  return out;
}

}  // namespace

bool input_complete(std::string_view text) {
  const Scan s = scan(text);
  if (s.open) return false;
  if (s.depth < 0) return true;
  if (s.depth > 0) return false;
  return !ends_in_continuation(text.substr(0, s.code_end));
}

InputKind classify(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    } else if (starts(text, i, "///") && !starts(text, i, "////")) {
      return InputKind::Declarations;  // a doc comment belongs to the declaration below it
    } else if (starts(text, i, "//")) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (starts(text, i, "/*")) {
      const size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos) return InputKind::Empty;
      i = end + 2;
    } else {
      break;
    }
  }
  if (i == text.size()) return InputKind::Empty;
  if (text[i] == ':') return InputKind::Meta;
  if (text[i] == '@') return InputKind::Declarations;
  size_t end = i;
  while (end < text.size() && is_word(text[end])) ++end;
  static constexpr std::array<std::string_view, 7> kDeclWords = {"import", "const",  "type",    "fn",
                                                                 "library", "script", "workflow"};
  for (std::string_view w : kDeclWords)
    if (text.substr(i, end - i) == w) return InputKind::Declarations;
  return InputKind::Statements;
}

}  // namespace wf::repl

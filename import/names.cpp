// Identifiers and string literals for generated source (see names.h).
#include "names.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

namespace wf::legacy {

bool is_reserved_word(const std::string& s) {
  // docs/language.md §3: the words that cannot name a variable, a parameter or a declaration.
  static const std::set<std::string> kReserved = {
      "import", "const", "type", "fn", "library", "script", "workflow", "let", "var", "if", "else", "for", "in", "while",
      "break", "continue", "return", "fail", "log", "try", "catch", "finally", "step", "retry", "every", "backoff",
      "timeout", "run", "on", "as", "priority", "canary", "allow_failure", "approve", "by", "quorum", "sleep", "until",
      "checkout", "pam", "parallel", "notify", "to", "wait", "true", "false", "none", "and", "or", "not"};
  return kReserved.count(s) > 0;
}

std::string identifier(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += word ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "_" + out;
  if (is_reserved_word(out)) out += "_";
  return out;
}

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '{': out += "\\{"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += ' ';
        else out += c;
    }
  }
  return out;
}

std::string quoted(const std::string& text) { return fmt::format("\"{}\"", escaped(text)); }

std::string number_text(double value) {
  if (std::floor(value) == value && std::fabs(value) < 1e15) return fmt::format("{}", static_cast<int64_t>(value));
  return fmt::format("{}", value);
}

}  // namespace wf::legacy

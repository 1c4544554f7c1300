// Literal decoding (see literals.h).
#include "syntax/literals.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace wf {

namespace {
bool add_digit(int64_t& value, char c) {
  const int64_t d = c - '0';
  if (value > (std::numeric_limits<int64_t>::max() - d) / 10) return false;
  value = value * 10 + d;
  return true;
}
}  // namespace

std::optional<int64_t> decode_int(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : s) {
    if (c == '_') continue;
    if (c < '0' || c > '9' || !add_digit(value, c)) return std::nullopt;
  }
  return value;
}

std::optional<double> decode_float(std::string_view s) {
  std::string digits;
  for (char c : s)
    if (c != '_') digits.push_back(c);
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(digits.c_str(), &end);
  if (errno == ERANGE || end != digits.c_str() + digits.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> decode_duration(std::string_view s) {
  // Units in the order they must appear, with their size in milliseconds.
  struct Unit { std::string_view name; int64_t millis; };
  static constexpr Unit kUnits[] = {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
  int64_t total = 0;
  int next_allowed = 0;  // index into kUnits: each unit must come after the previous one
  size_t i = 0;
  if (s.empty()) return std::nullopt;
  while (i < s.size()) {
    int64_t amount = 0;
    const size_t digits_begin = i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_')) {
      if (s[i] != '_' && !add_digit(amount, s[i])) return std::nullopt;
      ++i;
    }
    if (i == digits_begin) return std::nullopt;
    const size_t unit_begin = i;
    while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
    const std::string_view unit = s.substr(unit_begin, i - unit_begin);
    int found = -1;
    for (int u = 0; u < 5; ++u)
      if (kUnits[u].name == unit) found = u;
    if (found < next_allowed) return std::nullopt;  // unknown (-1), repeated or out of order
    next_allowed = found + 1;
    if (amount > std::numeric_limits<int64_t>::max() / kUnits[found].millis) return std::nullopt;
    const int64_t part = amount * kUnits[found].millis;
    if (total > std::numeric_limits<int64_t>::max() - part) return std::nullopt;
    total += part;
  }
  return total;
}

std::optional<double> decode_percent(std::string_view s) {
  if (s.empty() || s.back() != '%') return std::nullopt;
  auto v = decode_float(s.substr(0, s.size() - 1));
  if (!v || *v < 0 || *v > 100) return std::nullopt;
  return v;
}

std::optional<char> decode_escape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '"': return '"';
    case '\\': return '\\';
    case '{': return '{';
    case '0': return '\0';
    default: return std::nullopt;
  }
}

std::string format_duration(int64_t millis) {
  if (millis == 0) return "0s";
  std::string out;
  if (millis < 0) { out = "-"; millis = -millis; }
  struct Unit { const char* name; int64_t millis; };
  static constexpr Unit kUnits[] = {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
  for (const auto& u : kUnits) {
    if (millis >= u.millis) {
      out += std::to_string(millis / u.millis) + u.name;
      millis %= u.millis;
    }
  }
  return out;
}

}  // namespace wf

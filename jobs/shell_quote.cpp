// POSIX single-quote quoting: inside '...' every byte is literal except `'` itself, which is the
// one thing that has to be spelled out.
#include "jobs/shell_quote.h"

namespace wf::jobs {
namespace {

// Characters that mean nothing special to sh, bash, dash or zsh anywhere in a word. Left out on
// purpose: `~` and `#` (special at the start of a word), `=` (a leading `NAME=value` word is an
// assignment, not a command) and `%` (a `%1` command means `fg` in bash).
bool is_bare_safe(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '@': case '+': case ':': case ',': case '.': case '/': case '_': case '-':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string shell_quote(std::string_view value) {
  if (value.empty()) return "''";
  bool bare = true;
  for (char c : value) bare = bare && is_bare_safe(c);
  if (bare) return std::string(value);

  std::string quoted;
  quoted.reserve(value.size() + 2);
  quoted += '\'';
  for (char c : value) {
    if (c == '\'') {
      quoted += "'\\''";  // close the quote, an escaped quote, reopen
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

}  // namespace wf::jobs

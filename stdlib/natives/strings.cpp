// String functions (builtins.def "Strings", and the string overloads of reverse and slice).
// Indices are code points (support.h); searching compares bytes, which for UTF-8 finds exactly
// the occurrences a code-point comparison would.
#include <pthread.h>

#include <algorithm>
#include <exception>
#include <list>
#include <new>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "stdlib/natives/support.h"

namespace wf::stdlib::natives {

namespace {

const std::string& text(const Value& v) { return vm::as_string(v); }

Value ascii_case(const Value& v, bool to_upper) {
  std::string out = text(v);
  for (char& c : out) {
    if (to_upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!to_upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return vm::make_string(std::move(out));
}

Value upper(NativeContext&, const Value* a) { return ascii_case(a[0], true); }
Value lower(NativeContext&, const Value* a) { return ascii_case(a[0], false); }
Value trim(NativeContext&, const Value* a) { return vm::make_string(std::string(trim_space(text(a[0])))); }

Value split(NativeContext&, const Value* a) {
  const std::string_view s = text(a[0]), sep = text(a[1]);
  std::vector<Value> parts;
  if (sep.empty()) {
    for (size_t pos = 0; pos < s.size();) {
      const size_t w = cp_width(s, pos);
      parts.push_back(vm::make_string(std::string(s.substr(pos, w))));
      pos += w;
    }
    return vm::make_list(std::move(parts));
  }
  // n separators give n + 1 parts, so "" gives [""] and "a," gives ["a", ""].
  size_t from = 0;
  for (size_t at; (at = s.find(sep, from)) != std::string_view::npos; from = at + sep.size())
    parts.push_back(vm::make_string(std::string(s.substr(from, at - from))));
  parts.push_back(vm::make_string(std::string(s.substr(from))));
  return vm::make_list(std::move(parts));
}

Value join(NativeContext&, const Value* a) {
  const auto& parts = vm::as_list(a[0]);
  const std::string& sep = text(a[1]);
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += text(parts[i]);
  }
  return vm::make_string(std::move(out));
}

Value contains_string(NativeContext&, const Value* a) {
  return Value::boolean(text(a[0]).find(text(a[1])) != std::string::npos);
}
Value starts_with(NativeContext&, const Value* a) { return Value::boolean(text(a[0]).starts_with(text(a[1]))); }
Value ends_with(NativeContext&, const Value* a) { return Value::boolean(text(a[0]).ends_with(text(a[1]))); }

Value replace(NativeContext&, const Value* a) {
  const std::string_view s = text(a[0]), old = text(a[1]), with = text(a[2]);
  if (old.empty()) return a[0];
  std::string out;
  size_t from = 0;
  for (size_t at; (at = s.find(old, from)) != std::string_view::npos; from = at + old.size()) {
    out.append(s.substr(from, at - from));
    out.append(with);
  }
  out.append(s.substr(from));
  return vm::make_string(std::move(out));
}

Value index_error(NativeContext& ctx, std::string message) {
  ctx.fail(ErrorKind::Index, std::move(message));
  return Value();
}

Value substr_from(NativeContext& ctx, const Value* a) {
  const std::string_view s = text(a[0]);
  const int64_t start = a[1].i, n = cp_count(s);
  if (start < 0 || start > n)
    return index_error(ctx, "substr: start " + std::to_string(start) + " is outside 0.." + std::to_string(n));
  return vm::make_string(std::string(s.substr(cp_advance(s, 0, start))));
}

Value substr_len(NativeContext& ctx, const Value* a) {
  const std::string_view s = text(a[0]);
  const int64_t start = a[1].i, length = a[2].i, n = cp_count(s);
  if (start < 0 || start > n)
    return index_error(ctx, "substr: start " + std::to_string(start) + " is outside 0.." + std::to_string(n));
  if (length < 0) return index_error(ctx, "substr: length " + std::to_string(length) + " is negative");
  const size_t begin = cp_advance(s, 0, start);
  return vm::make_string(std::string(s.substr(begin, cp_advance(s, begin, length) - begin)));
}

Value index_of_string(NativeContext&, const Value* a) {
  const std::string_view s = text(a[0]), sub = text(a[1]);
  // Walk the code points and compare at each start, so a match can only begin on a code point
  // (which matters only for text that is not valid UTF-8).
  int64_t index = 0;
  for (size_t pos = 0;; ++index) {
    if (s.size() - pos >= sub.size() && s.compare(pos, sub.size(), sub) == 0) return Value::integer(index);
    if (pos == s.size()) return Value::integer(-1);
    pos += cp_width(s, pos);
  }
}

// Compiled patterns of recent `matches` calls: a workflow usually tests one pattern in a loop,
// and compiling a std::regex costs far more than matching a line. Per thread, because the
// service may run VMs on several.
const std::regex& compiled(const std::string& pattern) {
  constexpr size_t kKept = 16;
  thread_local std::list<std::pair<std::string, std::regex>> recent;
  for (auto it = recent.begin(); it != recent.end(); ++it) {
    if (it->first == pattern) {
      recent.splice(recent.begin(), recent, it);
      return recent.front().second;
    }
  }
  std::regex re(pattern, std::regex::ECMAScript);  // throws regex_error on a bad pattern
  recent.emplace_front(pattern, std::move(re));
  if (recent.size() > kKept) recent.pop_back();
  return recent.front().second;
}

// std::regex (libstdc++) matches by recursive backtracking: each character a quantifier consumes
// costs a few hundred bytes of stack (up to ~800 measured for `(a|b)*`), so `.*` over one 40 KB
// line overflows an 8 MB stack and kills the process, and a resumed instance would do it again.
// Short texts (at most 1 MB of stack) match on the caller's stack; longer ones on a thread whose
// stack grows with the text (reserved address space: only the pages the match touches are
// committed). Matching time can still grow with the square of the text for patterns like `.*x`
// that fail.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kStackPerByte = 8192;  // AddressSanitizer's frames are several times larger
#else
constexpr size_t kStackPerByte = 1024;
#endif
constexpr size_t kDirectBytes = (size_t{1} << 20) / kStackPerByte;
constexpr size_t kBaseStack = size_t{8} << 20;
constexpr size_t kMaxStack = size_t{2} << 30;

struct MatchJob {
  const std::string* text = nullptr;
  const std::regex* re = nullptr;
  bool found = false;
  std::exception_ptr error;
};

void* run_match(void* arg) {
  auto* job = static_cast<MatchJob*>(arg);
  try {
    job->found = std::regex_search(*job->text, *job->re);
  } catch (...) {
    job->error = std::current_exception();  // rethrown on the calling thread
  }
  return nullptr;
}

bool search(const std::string& subject, const std::regex& re) {
  if (subject.size() <= kDirectBytes) return std::regex_search(subject, re);
  MatchJob job;
  job.text = &subject;
  job.re = &re;
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) throw std::bad_alloc();
  const size_t stack = std::min(kMaxStack, kBaseStack + subject.size() * kStackPerByte);
  pthread_t thread;
  const bool started = pthread_attr_setstacksize(&attr, stack) == 0 &&
                       pthread_create(&thread, &attr, run_match, &job) == 0;
  pthread_attr_destroy(&attr);
  if (!started) throw std::bad_alloc();  // no room for the stack: reported as out of memory
  // The caller waits, so the regex and the text are never used by two threads at once.
  pthread_join(thread, nullptr);
  if (job.error) std::rethrow_exception(job.error);
  return job.found;
}

Value matches(NativeContext& ctx, const Value* a) {
  const std::string& pattern = text(a[1]);
  try {
    return Value::boolean(search(text(a[0]), compiled(pattern)));
  } catch (const std::regex_error& e) {
    // A bad pattern throws while compiling; std::regex can also give up while matching
    // (error_complexity, error_stack) on a pattern that backtracks too much for the text.
    const bool matching = e.code() == std::regex_constants::error_complexity ||
                          e.code() == std::regex_constants::error_stack;
    ctx.fail(ErrorKind::Type, matching ? "matches: the pattern " + quoted(pattern) + " is too complex for this text"
                              : "matches: " + quoted(pattern) + " is not a valid regular expression: " + e.what());
    return Value();
  }
}

Value lines(NativeContext&, const Value* a) {
  const std::string_view s = text(a[0]);
  std::vector<Value> out;
  size_t from = 0;
  while (from < s.size()) {
    size_t at = s.find('\n', from);
    const size_t next = at == std::string_view::npos ? s.size() : at + 1;
    if (at == std::string_view::npos) at = s.size();
    size_t end = at;
    if (at < s.size() && end > from && s[end - 1] == '\r') --end;  // only a `\r` before a `\n`
    out.push_back(vm::make_string(std::string(s.substr(from, end - from))));
    from = next;
  }
  return vm::make_list(std::move(out));
}

Value reverse_string(NativeContext&, const Value* a) {
  const std::string_view s = text(a[0]);
  std::string out(s.size(), '\0');
  // Copy each code point, unreversed, to the mirrored position.
  for (size_t pos = 0; pos < s.size();) {
    const size_t w = cp_width(s, pos);
    std::copy_n(s.data() + pos, w, out.data() + (s.size() - pos - w));
    pos += w;
  }
  return vm::make_string(std::move(out));
}

Value slice_string(NativeContext& ctx, const Value* a) {
  const std::string_view s = text(a[0]);
  const int64_t start = a[1].i, end = a[2].i, n = cp_count(s);
  if (start < 0 || start > end || end > n)
    return index_error(ctx, "slice: " + std::to_string(start) + ".." + std::to_string(end) +
                                " is not a range within 0.." + std::to_string(n));
  const size_t begin = cp_advance(s, 0, start);
  return vm::make_string(std::string(s.substr(begin, cp_advance(s, begin, end - start) - begin)));
}

constexpr NativeEntry kNatives[] = {
    native<upper>("upper(s: string) -> string"),
    native<lower>("lower(s: string) -> string"),
    native<trim>("trim(s: string) -> string"),
    native<split>("split(s: string, sep: string) -> list<string>"),
    native<join>("join(parts: list<string>, sep: string) -> string"),
    native<contains_string>("contains(s: string, sub: string) -> bool"),
    native<starts_with>("starts_with(s: string, prefix: string) -> bool"),
    native<ends_with>("ends_with(s: string, suffix: string) -> bool"),
    native<replace>("replace(s: string, old: string, replacement: string) -> string"),
    native<substr_from>("substr(s: string, start: int) -> string"),
    native<substr_len>("substr(s: string, start: int, length: int) -> string"),
    native<index_of_string>("index_of(s: string, sub: string) -> int"),
    native<matches>("matches(s: string, pattern: string) -> bool"),
    native<lines>("lines(s: string) -> list<string>"),
    native<reverse_string>("reverse(s: string) -> string"),
    native<slice_string>("slice(s: string, start: int, end: int) -> string"),
};

}  // namespace

}  // namespace wf::stdlib::natives

namespace wf::stdlib {
std::span<const NativeEntry> string_natives() { return natives::kNatives; }
}  // namespace wf::stdlib

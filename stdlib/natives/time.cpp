// Time functions (builtins.def "Time"): now, format_time, parse_time, seconds. Times are UTC
// milliseconds since the Unix epoch; the calendar comes from the platform (gmtime_r, strftime,
// std::chrono's civil calendar), so no date arithmetic is written here.
#include <time.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "stdlib/natives/support.h"
#include "vm/render.h"

namespace wf::stdlib::natives {

namespace {

Value now(NativeContext& ctx, const Value*) { return Value::time(ctx.now_ms()); }

Value format_time(NativeContext& ctx, const Value* a) {
  const int64_t ms = a[0].i;
  const std::string& format = vm::as_string(a[1]);
  // Floor division: an instant before 1970 belongs to the second that starts before it.
  const int64_t secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  const time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  if (!gmtime_r(&t, &tm)) {
    ctx.fail(ErrorKind::Arithmetic, "format_time: the instant " + std::to_string(ms) + "ms is outside the calendar");
    return Value();
  }
  if (format.empty()) return vm::make_string(std::string());
  // strftime reports 0 both for "did not fit" and for an empty result, so grow the buffer a few
  // times and then accept an empty result (a format such as "%p" can legitimately produce one).
  std::string out;
  for (size_t cap = 128 + 4 * format.size(); cap <= 64 * 1024 + 64 * format.size(); cap *= 2) {
    out.resize(cap);
    const size_t n = strftime(out.data(), cap, format.c_str(), &tm);
    if (n > 0) {
      out.resize(n);
      return vm::make_string(std::move(out));
    }
  }
  return vm::make_string(std::string());
}

// RFC 3339 (section 5.6), read by a cursor over the text.
class Rfc3339Reader {
 public:
  explicit Rfc3339Reader(std::string_view s) : s_(s) {}

  // The instant in UTC milliseconds, or nothing when the text is not an RFC 3339 date-time.
  std::optional<int64_t> read() {
    int year, month, day, hour, minute, second;
    if (!number(4, year) || !expect("-") || !number(2, month) || !expect("-") || !number(2, day)) return {};
    // RFC 3339 allows `t` for `T`, and (its note in 5.6) a space, which log lines often use.
    if (!expect("Tt ") || !number(2, hour) || !expect(":") || !number(2, minute) || !expect(":") ||
        !number(2, second))
      return {};
    // 60 is a leap second, which UTC milliseconds cannot tell from the next minute's first.
    if (hour > 23 || minute > 59 || second > 60) return {};
    int64_t millis = 0;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      // Digits past the millisecond are truncated; at least one digit must follow the point.
      int seen = 0;
      for (; pos_ < s_.size() && is_digit(s_[pos_]); ++pos_, ++seen)
        if (seen < 3) millis = millis * 10 + (s_[pos_] - '0');
      if (seen == 0) return {};
      for (int k = seen; k < 3; ++k) millis *= 10;
    }
    int64_t offset_minutes = 0;
    if (pos_ < s_.size() && (s_[pos_] == 'Z' || s_[pos_] == 'z')) {
      ++pos_;
    } else if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) {
      const int sign = s_[pos_++] == '-' ? -1 : 1;
      int oh, om;
      if (!number(2, oh) || !expect(":") || !number(2, om) || oh > 23 || om > 59) return {};
      offset_minutes = sign * (oh * 60 + om);
    } else {
      return {};  // the offset is required
    }
    if (pos_ != s_.size()) return {};
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return {};  // February 30th and the like
    const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
    const int64_t local = ((days * 24 + hour) * 60 + minute) * 60 + second;
    return (local - offset_minutes * 60) * 1000 + millis;
  }

 private:
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  bool number(int digits, int& out) {
    out = 0;
    for (int k = 0; k < digits; ++k, ++pos_) {
      if (pos_ >= s_.size() || !is_digit(s_[pos_])) return false;
      out = out * 10 + (s_[pos_] - '0');
    }
    return true;
  }

  // Consumes one character when it is one of `chars`.
  bool expect(std::string_view chars) {
    if (pos_ >= s_.size() || chars.find(s_[pos_]) == std::string_view::npos) return false;
    ++pos_;
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Value parse_time(NativeContext& ctx, const Value* a) {
  // Surrounding whitespace is ignored, as by the other text parsers, so a line of job output works.
  const std::optional<int64_t> ms = Rfc3339Reader(trim_space(vm::as_string(a[0]))).read();
  if (!ms) {
    ctx.fail(ErrorKind::Type, "parse_time: " + quoted(vm::as_string(a[0])) +
                         " is not an RFC 3339 timestamp such as 2024-05-01T12:00:00Z");
    return Value();
  }
  return Value::time(*ms);
}

// C++ division truncates toward zero, which is what the doc promises.
Value seconds(NativeContext&, const Value* a) { return Value::integer(a[0].i / 1000); }

constexpr NativeEntry kNatives[] = {
    native<now>("now() -> time"),
    native<format_time>("format_time(t: time, format: string) -> string"),
    native<parse_time>("parse_time(s: string) -> time"),
    native<seconds>("seconds(d: duration) -> int"),
};

}  // namespace

}  // namespace wf::stdlib::natives

namespace wf::stdlib {
std::span<const NativeEntry> time_natives() { return natives::kNatives; }
}  // namespace wf::stdlib

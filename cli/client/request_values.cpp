// Parsing the client commands' argument values (see request_values.h).
#include "cli/client/request_values.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <limits>

namespace wf::cli {

namespace {

// A century in milliseconds: longer durations are typos, and the bound keeps sums from overflowing.
constexpr int64_t kLongestDurationMs = int64_t{100} * 366 * 24 * 3600 * 1000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Exactly `width` digits at `pos` as a number; advances `pos`. nullopt when they are not there.
std::optional<int> fixed_digits(std::string_view s, size_t& pos, size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// RFC 3339's date-time: full-date "T" partial-time time-offset (a space or a lower-case `t` and
// `z` are accepted too, as the RFC allows).
std::optional<SystemClock::time_point> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  size_t pos = 0;
  const auto year = fixed_digits(s, pos, 4);
  if (!year || !expect(s, pos, '-')) return std::nullopt;
  const auto month = fixed_digits(s, pos, 2);
  if (!month || !expect(s, pos, '-')) return std::nullopt;
  const auto day = fixed_digits(s, pos, 2);
  if (!day || pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  const auto hour = fixed_digits(s, pos, 2);
  if (!hour || !expect(s, pos, ':')) return std::nullopt;
  const auto minute = fixed_digits(s, pos, 2);
  if (!minute || !expect(s, pos, ':')) return std::nullopt;
  const auto second = fixed_digits(s, pos, 2);
  if (!second) return std::nullopt;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && is_digit(s[pos])) {
      if (digits < 3) millis = millis * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 3; ++i) millis *= 10;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    const auto offset_hours = fixed_digits(s, pos, 2);
    if (!offset_hours || !expect(s, pos, ':')) return std::nullopt;
    const auto offset_mins = fixed_digits(s, pos, 2);
    if (!offset_mins || *offset_hours > 23 || *offset_mins > 59) return std::nullopt;
    offset_minutes = sign * (*offset_hours * 60 + *offset_mins);
  } else {
    return std::nullopt;  // a time without an offset is ambiguous
  }
  if (pos != s.size()) return std::nullopt;

  const year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  // Second 60 is a leap second, which RFC 3339 allows; it counts as the next minute's first.
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  return SystemClock::time_point{sys_days{date}} + hours{*hour} + minutes{*minute} + seconds{*second} +
         milliseconds{millis} - minutes{offset_minutes};
}

}  // namespace

Json param_value(std::string_view text) {
  Json parsed = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Json(std::string(text));
  // A number too large for a double (1e999) has no JSON form: keep what was typed.
  if (parsed.is_number_float() && !std::isfinite(parsed.get<double>())) return Json(std::string(text));
  return parsed;
}

std::optional<ParamAssignment> parse_param_assignment(std::string_view text, std::string& error) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    error = fmt::format("--param takes NAME=VALUE, got \"{}\"", text);
    return std::nullopt;
  }
  const std::string_view name = trim(text.substr(0, eq));
  if (name.empty()) {
    error = fmt::format("--param \"{}\" has no name before '='", text);
    return std::nullopt;
  }
  return ParamAssignment{std::string(name), param_value(text.substr(eq + 1))};
}

std::optional<Json> param_object(const std::vector<std::string>& assignments, std::string& error) {
  Json params = Json::object();
  for (const std::string& text : assignments) {
    auto assignment = parse_param_assignment(text, error);
    if (!assignment) return std::nullopt;
    if (params.contains(assignment->name)) {
      error = fmt::format("--param {} is given twice", assignment->name);
      return std::nullopt;
    }
    params[assignment->name] = std::move(assignment->value);
  }
  return params;
}

std::vector<std::string> split_names(std::string_view list) {
  std::vector<std::string> names;
  while (true) {
    const size_t comma = list.find(',');
    const std::string_view name = trim(list.substr(0, comma));
    if (!name.empty()) names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return names;
}

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t number = 0;
    const size_t start = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      number = number * 10 + (text[pos] - '0');
      if (number > kLongestDurationMs) return std::nullopt;
      ++pos;
    }
    if (pos == start) return std::nullopt;  // a unit without a number, or stray characters
    int64_t unit_ms = 0;
    if (text.substr(pos, 2) == "ms") {
      unit_ms = 1;
      pos += 2;
    } else if (pos < text.size()) {
      switch (text[pos]) {
        case 's': unit_ms = 1000; break;
        case 'm': unit_ms = 60 * 1000; break;
        case 'h': unit_ms = 3600 * 1000; break;
        case 'd': unit_ms = 24 * 3600 * 1000; break;
        default: return std::nullopt;
      }
      ++pos;
    } else {
      return std::nullopt;  // a bare number: seconds or minutes? The unit must be written.
    }
    if (number > kLongestDurationMs / unit_ms) return std::nullopt;
    total += number * unit_ms;
    if (total > kLongestDurationMs) return std::nullopt;
  }
  return total;
}

std::optional<SystemClock::time_point> parse_start_time(std::string_view text, SystemClock::time_point now,
                                                        std::string& error) {
  const std::string_view trimmed = trim(text);
  if (!trimmed.empty() && trimmed.front() == '+') {
    if (auto ms = parse_duration_ms(trimmed.substr(1))) return now + std::chrono::milliseconds(*ms);
    error = fmt::format("--at \"{}\": expected a duration after '+', like +10m or +1h30m", text);
    return std::nullopt;
  }
  if (auto t = parse_rfc3339(trimmed)) return t;
  error = fmt::format("--at \"{}\": expected an RFC 3339 time like 2026-11-21T08:00:00Z, or +DURATION like +10m", text);
  return std::nullopt;
}

std::string format_rfc3339_utc(SystemClock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss time{ms - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                     time.minutes().count(), time.seconds().count(), time.subseconds().count());
}

std::optional<int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;  // 18 digits always fit in int64
  int64_t id = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    id = id * 10 + (c - '0');
  }
  if (id <= 0) return std::nullopt;
  return id;
}

}  // namespace wf::cli

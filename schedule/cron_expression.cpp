// Parsing cron expressions (see cron_expression.h): nicknames and `@every` first, then the five
// fields, each a comma list of `*`, values, ranges and steps.
#include "schedule/cron_expression.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

namespace wf::schedule {

namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                           "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// What one of the five fields accepts. Day of week takes 0–7 (7 is Sunday again) but `*` means 0–6.
struct FieldSpec {
  const char* name;           // as in messages: "minute 61 is out of range 0-59"
  unsigned min, max, star_max;
  const std::string_view* names;  // the names of min, min+1, ...; null when the field has none
  size_t name_count;
  unsigned first_named;  // the value of names[0]
  const char* name_kind;  // "month" / "day" in "unknown month name FOO"
};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, 59, nullptr, 0, 0, ""},
    {"hour", 0, 23, 23, nullptr, 0, 0, ""},
    {"day of month", 1, 31, 31, nullptr, 0, 0, ""},
    {"month", 1, 12, 12, kMonthNames.data(), kMonthNames.size(), 1, "month"},
    {"day of week", 0, 7, 6, kDayNames.data(), kDayNames.size(), 0, "day"},
};

// Numbers are read with at most this many digits, so nothing overflows; larger ones are out of range anyway.
constexpr size_t kMaxDigits = 9;

struct Failure {
  size_t column;
  std::string message;
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool all_letters(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

uint64_t to_number(std::string_view digits) {
  uint64_t n = 0;
  for (char c : digits) n = n * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

// One value of a field: a number in range or, for months and days of the week, a name.
std::optional<Failure> parse_value(std::string_view text, size_t column, const FieldSpec& spec, unsigned& out) {
  if (text.empty()) return Failure{column, fmt::format("missing value in {} field", spec.name)};
  if (all_digits(text)) {
    const uint64_t n = text.size() > kMaxDigits ? UINT64_MAX : to_number(text);
    if (n < spec.min || n > spec.max)
      return Failure{column, fmt::format("{} {} is out of range {}-{}", spec.name, text, spec.min, spec.max)};
    out = static_cast<unsigned>(n);
    return std::nullopt;
  }
  if (spec.names && all_letters(text)) {
    const std::string name = upper(text);
    for (size_t i = 0; i < spec.name_count; ++i)
      if (spec.names[i] == name) {
        out = spec.first_named + static_cast<unsigned>(i);
        return std::nullopt;
      }
    return Failure{column, fmt::format("unknown {} name {}", spec.name_kind, text)};
  }
  if (spec.names) return Failure{column, fmt::format("{} field expects a number or a name, got \"{}\"", spec.name, text)};
  return Failure{column, fmt::format("{} field expects a number, got \"{}\"", spec.name, text)};
}

// One comma-separated item: `*`, `*/n`, `a`, `a/n` (a to the field's end), `a-b`, `a-b/n`.
std::optional<Failure> parse_item(std::string_view item, size_t column, const FieldSpec& spec, std::bitset<64>& bits) {
  if (item.empty()) return Failure{column, fmt::format("empty list item in {} field", spec.name)};
  std::string_view base = item;
  unsigned step = 1;
  bool stepped = false;
  if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
    base = item.substr(0, slash);
    const std::string_view step_text = item.substr(slash + 1);
    const size_t step_column = column + slash + 1;
    if (step_text.empty()) return Failure{step_column, "missing step after /"};
    if (!all_digits(step_text)) return Failure{step_column, fmt::format("step \"{}\" is not a number", step_text)};
    const uint64_t n = step_text.size() > kMaxDigits ? UINT64_MAX : to_number(step_text);
    if (n < 1) return Failure{step_column, "step must be at least 1"};
    if (n > spec.max) return Failure{step_column, fmt::format("step {} is larger than the {} field's range {}-{}", step_text, spec.name, spec.min, spec.max)};
    step = static_cast<unsigned>(n);
    stepped = true;
    if (base.empty()) return Failure{column, "missing range before /"};
  }
  unsigned lo = 0, hi = 0;
  if (base == "*") {
    lo = spec.min, hi = spec.star_max;
  } else if (const size_t dash = base.find('-'); dash != std::string_view::npos) {
    if (auto f = parse_value(base.substr(0, dash), column, spec, lo)) return f;
    if (auto f = parse_value(base.substr(dash + 1), column + dash + 1, spec, hi)) return f;
    if (lo > hi)
      return Failure{column, fmt::format("range {} is empty: it starts after it ends", base)};
  } else {
    if (auto f = parse_value(base, column, spec, lo)) return f;
    hi = stepped ? spec.max : lo;
  }
  for (unsigned v = lo; v <= hi; v += step) bits.set(v);
  return std::nullopt;
}

std::optional<Failure> parse_field(std::string_view text, size_t column, const FieldSpec& spec, std::bitset<64>& bits) {
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (auto f = parse_item(item, column + start, spec, bits)) return f;
    if (comma == std::string_view::npos) return std::nullopt;
    start = comma + 1;
  }
}

template <size_t N>
std::bitset<N> narrow(const std::bitset<64>& bits) {
  std::bitset<N> out;
  for (size_t i = 0; i < N; ++i) out[i] = bits[i];
  return out;
}

struct Word {
  std::string_view text;
  size_t column;  // 1-based
};

std::vector<Word> split_words(std::string_view text) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) words.push_back({text.substr(start, i - start), start + 1});
  }
  return words;
}

CronParse failed(Failure f) {
  CronParse p;
  p.error = CronError{f.column, std::move(f.message)};
  return p;
}

// `@every 1h30m`: one or more `<number><unit>` with units h, m and s; at least one second.
CronParse parse_every(std::string_view text, const std::vector<Word>& words) {
  if (words.size() < 2) return failed({text.size() + 1, "@every needs a duration such as 90s, 5m or 1h30m"});
  if (words.size() > 2) return failed({words[2].column, fmt::format("unexpected \"{}\" after the duration", words[2].text)});
  const Word& d = words[1];
  // Ten years is far beyond any useful interval and keeps the sum far from overflowing.
  constexpr uint64_t kMaxSeconds = 10ull * 366 * 24 * 3600;
  uint64_t total = 0;
  size_t i = 0;
  while (i < d.text.size()) {
    const size_t start = i;
    while (i < d.text.size() && std::isdigit(static_cast<unsigned char>(d.text[i]))) ++i;
    if (i == start)
      return failed({d.column + i, fmt::format("bad duration \"{}\": expected a number followed by h, m or s", d.text)});
    if (i - start > kMaxDigits) return failed({d.column + start, fmt::format("duration \"{}\" is too long", d.text)});
    const uint64_t n = to_number(d.text.substr(start, i - start));
    if (i == d.text.size())
      return failed({d.column + i, fmt::format("bad duration \"{}\": the number {} needs a unit h, m or s", d.text, n)});
    uint64_t unit = 0;
    switch (d.text[i]) {
      case 'h': unit = 3600; break;
      case 'm': unit = 60; break;
      case 's': unit = 1; break;
      default:
        return failed({d.column + i, fmt::format("bad duration \"{}\": unknown unit '{}' (use h, m or s)", d.text, d.text[i])});
    }
    ++i;
    total += n * unit;
    if (total > kMaxSeconds) return failed({d.column, fmt::format("duration \"{}\" is too long (at most 10 years)", d.text)});
  }
  if (total < 1) return failed({d.column, "duration must be at least 1s"});
  CronParse p;
  p.schedule = CronSchedule{CronSchedule::Kind::Every, {}, std::chrono::seconds(total), std::string(text)};
  return p;
}

struct Nickname {
  std::string_view name, fields;
};
constexpr Nickname kNicknames[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},
};

CronParse parse_fields(std::string_view text, const std::vector<Word>& words) {
  if (words.size() != 5) {
    const size_t column = words.size() > 5 ? words[5].column : text.size() + 1;
    return failed({column, fmt::format("expected 5 fields, got {}", words.size())});
  }
  std::bitset<64> bits[5];
  for (size_t i = 0; i < 5; ++i)
    if (auto f = parse_field(words[i].text, words[i].column, kFields[i], bits[i])) return failed(std::move(*f));
  CronSchedule s;
  s.kind = CronSchedule::Kind::Calendar;
  s.text = std::string(text);
  s.fields.minutes = narrow<60>(bits[0]);
  s.fields.hours = narrow<24>(bits[1]);
  s.fields.days_of_month = narrow<32>(bits[2]);
  s.fields.months = narrow<13>(bits[3]);
  if (bits[4][7]) bits[4].set(0);  // 7 is Sunday too
  s.fields.days_of_week = narrow<7>(bits[4]);
  s.fields.day_of_month_restricted = words[2].text != "*";
  s.fields.day_of_week_restricted = words[4].text != "*";
  CronParse p;
  p.schedule = std::move(s);
  return p;
}

}  // namespace

CronParse parse_cron(std::string_view text) {
  const std::vector<Word> words = split_words(text);
  if (!words.empty() && words[0].text.front() == '@') {
    const std::string name = lower(words[0].text);
    if (name == "@every") return parse_every(text, words);
    for (const Nickname& n : kNicknames)
      if (n.name == name) {
        if (words.size() > 1)
          return failed({words[1].column, fmt::format("unexpected \"{}\" after {}", words[1].text, words[0].text)});
        CronParse p = parse_fields(n.fields, split_words(n.fields));
        if (p.schedule) p.schedule->text = std::string(text);
        return p;
      }
    return failed({words[0].column, fmt::format("unknown nickname {} (use @yearly, @annually, @monthly, @weekly, "
                                                "@daily, @midnight, @hourly or @every <duration>)", words[0].text)});
  }
  return parse_fields(text, words);
}

bool day_matches(const CronFields& f, unsigned month, unsigned day, unsigned weekday) {
  if (!f.months[month]) return false;
  const bool by_month_day = f.days_of_month[day];
  const bool by_weekday = f.days_of_week[weekday];
  if (f.day_of_month_restricted && f.day_of_week_restricted) return by_month_day || by_weekday;
  return by_month_day && by_weekday;
}

}  // namespace wf::schedule

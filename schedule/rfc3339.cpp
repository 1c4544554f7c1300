// RFC 3339 instants (see rfc3339.h), read by hand: the grammar is small and fixed, and a hand
// reader gives precise messages and never throws.
#include "schedule/rfc3339.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

namespace wf::schedule {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Reads exactly `width` digits at `pos`.
bool read_digits(std::string_view s, size_t& pos, size_t width, int& out) {
  if (pos + width > s.size()) return false;
  int n = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    n = n * 10 + (c - '0');
  }
  pos += width;
  out = n;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

std::string offset_text(seconds offset) {
  const char sign = offset < seconds{0} ? '-' : '+';
  const long total = std::labs(static_cast<long>(offset.count())) / 60;
  return fmt::format("{}{:02}:{:02}", sign, total / 60, total % 60);
}

std::string wall_clock_text(date::local_seconds t) {
  const date::local_days day = date::floor<days>(t);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<seconds> time{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), time.hours().count(), time.minutes().count(), time.seconds().count());
}

}  // namespace

InstantParse parse_rfc3339(std::string_view text) {
  InstantParse out;
  const auto bad = [&](std::string_view why) {
    out.error = fmt::format("bad time \"{}\": {} (expected RFC 3339, e.g. 2027-03-14T07:00:00Z)", text, why);
    return out;
  };
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') || !read_digits(text, pos, 2, month) ||
      !expect(text, pos, '-') || !read_digits(text, pos, 2, day))
    return bad("the date must be YYYY-MM-DD");
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
    return bad("a time of day must follow the date after T");
  ++pos;
  if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') || !read_digits(text, pos, 2, minute) ||
      !expect(text, pos, ':') || !read_digits(text, pos, 2, second))
    return bad("the time of day must be HH:MM:SS");
  if (pos < text.size() && text[pos] == '.') {
    const size_t start = ++pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos == start) return bad("a fraction of a second needs digits after the dot");
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)}, date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return bad("no such date");
  if (hour > 23 || minute > 59 || second > 59) return bad("no such time of day");
  seconds offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos++] == '-';
    int offset_hours = 0, offset_minutes = 0;
    if (!read_digits(text, pos, 2, offset_hours) || !expect(text, pos, ':') || !read_digits(text, pos, 2, offset_minutes) ||
        offset_hours > 23 || offset_minutes > 59)
      return bad("the offset must be Z or +HH:MM / -HH:MM");
    offset = hours{offset_hours} + minutes{offset_minutes};
    if (negative) offset = -offset;
  } else {
    return bad("the offset is missing (Z or +HH:MM / -HH:MM)");
  }
  if (pos != text.size()) return bad("unexpected text after the offset");
  out.instant = date::sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second} - offset;
  return out;
}

std::string format_utc(date::sys_seconds instant) {
  return wall_clock_text(date::local_seconds{instant.time_since_epoch()}) + "Z";
}

std::string format_local(date::sys_seconds instant, const date::time_zone& zone) {
  const date::sys_info info = zone.get_info(instant);
  return wall_clock_text(date::local_seconds{instant.time_since_epoch() + info.offset}) + offset_text(info.offset);
}

}  // namespace wf::schedule

// next_after checked against a brute-force scan over 10,000 random valid expressions (fixed seed),
// each from a random instant in UTC, America/New_York, Australia/Lord_Howe and America/Santiago
// (whose clocks change at midnight); half of the instants lie within a day of a daylight-saving
// change. The scan walks UTC minutes, converts each to the
// zone's wall clock and tests the fields itself (with its own day-of-month / day-of-week rule);
// a minute that repeats a wall-clock time already passed (fall-back) does not fire, and the first
// minute after a spring-forward gap fires when any skipped wall-clock time matches.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "schedule/cron_expression.h"
#include "schedule/next_fire.h"
#include "schedule/rfc3339.h"
#include "schedule/zones.h"

namespace {

using namespace wf::schedule;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int kExpressions = 10000;
constexpr int kScanMinutes = 2 * 24 * 60;  // how far the scan looks ahead

// A random field of the given range: `*`, a value, a range, a step, or a list of those.
class ExpressionMaker {
 public:
  explicit ExpressionMaker(uint32_t seed) : rng_(seed) {}

  std::string make() {
    return fmt::format("{} {} {} {} {}", field(0, 59, {}), field(0, 23, {}), field(1, 31, {}), field(1, 12, kMonths),
                       field(0, 7, kDays));
  }

  std::mt19937& rng() { return rng_; }

 private:
  static inline const std::vector<std::string> kMonths = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  static inline const std::vector<std::string> kDays = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  std::string value(int v, int lo, const std::vector<std::string>& names) {
    const int index = v - (names.size() == 12 ? 1 : 0);
    if (!names.empty() && index >= 0 && index < static_cast<int>(names.size()) && pick(0, 3) == 0) return names[index];
    return std::to_string(v);
  }

  std::string item(int lo, int hi, const std::vector<std::string>& names) {
    switch (pick(0, 5)) {
      case 0: return value(pick(lo, hi), lo, names);
      case 1: {
        const int a = pick(lo, hi), b = pick(a, hi);
        return fmt::format("{}-{}", value(a, lo, names), value(b, lo, names));
      }
      case 2: return fmt::format("*/{}", pick(1, std::max(1, (hi - lo) / 2)));
      case 3: {
        const int a = pick(lo, hi), b = pick(a, hi);
        return fmt::format("{}-{}/{}", a, b, pick(1, std::max(1, std::min(b - a + 1, hi))));
      }
      case 4: return fmt::format("{}/{}", pick(lo, hi), pick(1, std::max(1, hi / 3)));
      default: return "*";
    }
  }

  std::string field(int lo, int hi, const std::vector<std::string>& names) {
    const int kind = pick(0, 9);
    if (kind < 4) return "*";
    if (kind < 8) return item(lo, hi, names);
    std::string list = item(lo, hi, names);
    for (int n = pick(1, 2); n > 0; --n) list = fmt::format("{},{}", list, item(lo, hi, names));
    return list;
  }

  std::mt19937 rng_;
};

// The brute force's own reading of the fields at a wall-clock minute.
bool fields_match(const CronFields& f, date::local_seconds wall_clock) {
  const date::local_days day = date::floor<days>(wall_clock);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<seconds> time{wall_clock - day};
  const unsigned weekday = date::weekday{day}.c_encoding();
  if (!f.minutes[time.minutes().count()] || !f.hours[time.hours().count()] || !f.months[unsigned(ymd.month())]) return false;
  const bool dom = f.days_of_month[unsigned(ymd.day())], dow = f.days_of_week[weekday];
  return f.day_of_month_restricted && f.day_of_week_restricted ? (dom || dow) : (dom && dow);
}

// The first fire in (after, after + kScanMinutes], by looking at every UTC minute.
std::optional<date::sys_seconds> scan(const CronFields& f, date::sys_seconds after, const date::time_zone& zone) {
  date::sys_seconds u = date::floor<minutes>(after) + minutes{1};
  date::sys_info info = zone.get_info(u);
  date::sys_info before = zone.get_info(info.begin - seconds{1});
  for (int i = 0; i < kScanMinutes; ++i, u += minutes{1}) {
    if (u >= info.end) {
      info = zone.get_info(u);
      before = zone.get_info(info.begin - seconds{1});
    }
    const date::local_seconds wall_clock{u.time_since_epoch() + info.offset};
    // After a fall-back the first (before.offset - info.offset) of the new period repeat wall-clock times.
    const bool repeated = before.offset > info.offset && u < info.begin + (before.offset - info.offset);
    if (!repeated && fields_match(f, wall_clock)) return u;
    // The first instant after a spring-forward stands for every wall-clock time the gap skipped.
    if (u == info.begin && before.offset < info.offset)
      for (date::local_seconds skipped{info.begin.time_since_epoch() + before.offset}; skipped < wall_clock; skipped += minutes{1})
        if (fields_match(f, skipped)) return u;
  }
  return std::nullopt;
}

// The instants of the zone's changes of offset in 2025–2031, to start scans close to them.
std::vector<date::sys_seconds> transitions(const date::time_zone& zone) {
  std::vector<date::sys_seconds> out;
  date::sys_seconds t = date::sys_days{date::year{2025} / 1 / 1};
  const date::sys_seconds end = date::sys_days{date::year{2031} / 1 / 1};
  while (t < end) {
    const date::sys_info info = zone.get_info(t);
    if (info.end >= end) break;
    out.push_back(info.end);
    t = info.end;
  }
  return out;
}

TEST(NextFireBruteForce, AgreesWithAMinuteByMinuteScanInFourZones) {
  const char* zone_names[] = {"UTC", "America/New_York", "Australia/Lord_Howe", "America/Santiago"};
  std::vector<const date::time_zone*> zones;
  std::vector<std::vector<date::sys_seconds>> changes;
  for (const char* name : zone_names) {
    const ZoneLookup z = find_zone(name);
    ASSERT_NE(z.zone, nullptr) << z.error;
    zones.push_back(z.zone);
    changes.push_back(transitions(*z.zone));
  }
  ASSERT_GE(changes[1].size(), 10u);
  ASSERT_GE(changes[2].size(), 10u);
  ASSERT_GE(changes[3].size(), 10u);

  ExpressionMaker maker(20270314);
  const long first = date::sys_days{date::year{2025} / 1 / 1}.time_since_epoch().count() / 86400 * 86400;
  const long span = 6L * 365 * 86400;
  int compared = 0, fired = 0, near_changes = 0, mismatches = 0;
  for (int i = 0; i < kExpressions; ++i) {
    const std::string text = maker.make();
    const CronParse p = parse_cron(text);
    ASSERT_TRUE(p.ok()) << text << ": " << p.error.column << ": " << p.error.message;
    for (size_t z = 0; z < zones.size(); ++z) {
      date::sys_seconds after{seconds{first + std::uniform_int_distribution<long>(0, span)(maker.rng())}};
      if (!changes[z].empty() && i % 2 == 0) {
        const auto& c = changes[z];
        const date::sys_seconds change = c[std::uniform_int_distribution<size_t>(0, c.size() - 1)(maker.rng())];
        after = change + seconds{std::uniform_int_distribution<long>(-86400, 3600)(maker.rng())};
        ++near_changes;
      }
      const std::optional<date::sys_seconds> expected = scan(p.schedule->fields, after, *zones[z]);
      const std::optional<date::sys_seconds> actual = next_after(*p.schedule, after, *zones[z], after);
      ++compared;
      if (expected) {
        ++fired;
        if (actual != expected) ++mismatches;
        EXPECT_EQ(actual ? format_utc(*actual) : "none", format_utc(*expected))
            << "`" << text << "` in " << zone_names[z] << " after " << format_utc(after);
      } else {
        const bool beyond = !actual || *actual > date::floor<minutes>(after) + minutes{kScanMinutes};
        if (!beyond) ++mismatches;
        EXPECT_TRUE(beyond) << "`" << text << "` in " << zone_names[z] << " after " << format_utc(after)
                            << ": the scan finds nothing, next_after " << format_utc(*actual);
      }
      if (mismatches > 20) FAIL() << "too many mismatches";
    }
  }
  // The comparison means something only when many scans find a fire, many near a change.
  EXPECT_GT(fired, compared / 3) << fired << " of " << compared;
  EXPECT_GT(near_changes, compared / 4);
  std::printf("compared %d, fired within the scan %d, near a change %d\n", compared, fired, near_changes);
}

}  // namespace

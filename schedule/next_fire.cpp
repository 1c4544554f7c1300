// Next fire times (see next_fire.h). Local candidates are visited in wall-clock order; since the
// daylight-saving rules map them to UTC in the same order (a skipped time goes to the gap's end, a
// repeated one to its first occurrence), the first candidate after `after` is the answer.
#include "schedule/next_fire.h"

namespace wf::schedule {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

int last_set(const auto& bits) {
  for (int i = static_cast<int>(bits.size()) - 1; i >= 0; --i)
    if (bits[i]) return i;
  return -1;
}

std::optional<date::sys_seconds> next_calendar(const CronFields& f, date::sys_seconds after, const date::time_zone& zone) {
  const int last_hour = last_set(f.hours), last_minute = last_set(f.minutes);
  if (last_hour < 0 || last_minute < 0) return std::nullopt;
  // No earlier local day can hold a later fire: the wall clock reached `after`'s reading through
  // every earlier time, except skipped ones, which fire at their gap's end, also before `after`.
  date::local_days day = date::floor<days>(zone.to_local(after));
  for (int i = 0; i < kSearchHorizonDays + 2; ++i, day += days{1}) {
    const date::year_month_day ymd{day};
    const date::weekday weekday{day};
    if (!day_matches(f, static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), weekday.c_encoding()))
      continue;
    // Whole days and hours whose last candidate is not after `after` are passed over at once.
    if (fire_instant(zone, day + hours{last_hour} + minutes{last_minute}) <= after) continue;
    for (int h = 0; h < 24; ++h) {
      if (!f.hours[h]) continue;
      if (fire_instant(zone, day + hours{h} + minutes{last_minute}) <= after) continue;
      for (int m = 0; m < 60; ++m) {
        if (!f.minutes[m]) continue;
        const date::sys_seconds fire = fire_instant(zone, day + hours{h} + minutes{m});
        if (fire > after) return fire;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

date::sys_seconds fire_instant(const date::time_zone& zone, date::local_seconds wall_clock) {
  const date::local_info info = zone.get_info(wall_clock);
  if (info.result == date::local_info::nonexistent) return info.first.end;  // the first instant after the gap
  // Unique, or ambiguous: `first` is the offset in force at the first occurrence.
  return date::sys_seconds{wall_clock.time_since_epoch()} - info.first.offset;
}

std::optional<date::sys_seconds> next_after(const CronSchedule& schedule, date::sys_seconds after,
                                            const date::time_zone& zone, date::sys_seconds start) {
  if (schedule.kind == CronSchedule::Kind::Every) {
    if (schedule.interval.count() <= 0) return std::nullopt;
    if (after < start) return start;
    const auto intervals = (after - start) / schedule.interval + 1;
    return start + intervals * schedule.interval;
  }
  return next_calendar(schedule.fields, after, zone);
}

}  // namespace wf::schedule

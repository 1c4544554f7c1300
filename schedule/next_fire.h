// When a parsed schedule fires next (SPEC §4.5): fire times are UTC instants computed from wall-clock
// times in an IANA zone, one local calendar day and minute at a time, never by adding a fixed 24
// hours, so days of 23 or 25 hours come out right.
//
// Daylight-saving rules: a wall-clock time that a spring-forward skips fires once, at the first
// instant after the gap (`30 2 * * *` in America/New_York on 2027-03-14 fires at 03:00 EDT, 07:00Z);
// a wall-clock time that a fall-back repeats fires once, at its first occurrence. `@every` is a
// fixed interval in UTC counted from the schedule's start, untouched by any zone.
#pragma once

#include <date/tz.h>

#include <optional>

#include "schedule/cron_expression.h"

namespace wf::schedule {

// How far ahead a calendar schedule is searched: a little over 8 years, the longest wait of a
// possible expression (`0 0 29 2 *` from 2096-02-29 to 2104-02-29). An expression that never
// fires (`0 0 30 2 *`) is "none" after this many days, not an endless loop.
constexpr int kSearchHorizonDays = 8 * 366 + 2;

// The first fire time strictly after `after`, or nullopt when there is none within the horizon.
// `zone` places a calendar schedule's wall-clock times; `start` is where an `@every` schedule's
// intervals are counted from (it fires at start + k * interval, k >= 0) and is unused otherwise.
std::optional<date::sys_seconds> next_after(const CronSchedule& schedule, date::sys_seconds after,
                                            const date::time_zone& zone, date::sys_seconds start);

// The instant a wall-clock time in `zone` fires at, under the daylight-saving rules above.
date::sys_seconds fire_instant(const date::time_zone& zone, date::local_seconds wall_clock);

}  // namespace wf::schedule

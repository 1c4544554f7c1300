// Next fire times of calendar schedules and `@every` across daylight-saving changes in three zones
// (New York and Berlin shift by an hour, Lord Howe by 30 minutes), leap days, short months, the
// day-of-month / day-of-week rule and expressions that never fire.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "schedule/cron_expression.h"
#include "schedule/next_fire.h"
#include "schedule/rfc3339.h"
#include "schedule/zones.h"

namespace {

using namespace wf::schedule;

date::sys_seconds at(const std::string& rfc3339) {
  const InstantParse p = parse_rfc3339(rfc3339);
  EXPECT_TRUE(p.instant) << p.error;
  return p.instant.value_or(date::sys_seconds{});
}

const date::time_zone& zone(const std::string& name) {
  const ZoneLookup z = find_zone(name);
  EXPECT_NE(z.zone, nullptr) << z.error;
  return z.zone ? *z.zone : *date::locate_zone("UTC");
}

// The next `count` fire times after `from`, in UTC.
std::vector<std::string> fires(const std::string& expression, const std::string& zone_name, const std::string& from,
                               size_t count) {
  const CronParse p = parse_cron(expression);
  EXPECT_TRUE(p.ok()) << expression << ": " << p.error.message;
  if (!p.ok()) return {};
  std::vector<std::string> out;
  date::sys_seconds t = at(from);
  const date::time_zone& z = zone(zone_name);
  while (out.size() < count) {
    const std::optional<date::sys_seconds> next = next_after(*p.schedule, t, z, at(from));
    if (!next) {
      out.push_back("none");
      break;
    }
    EXPECT_GT(*next, t);
    out.push_back(format_utc(*next));
    t = *next;
  }
  return out;
}

using Fires = std::vector<std::string>;

TEST(NextFire, StrictlyAfterTheGivenInstant) {
  EXPECT_EQ(fires("0 0 * * *", "UTC", "2027-01-01T00:00:00Z", 2), (Fires{"2027-01-02T00:00:00Z", "2027-01-03T00:00:00Z"}));
  EXPECT_EQ(fires("* * * * *", "UTC", "2027-01-01T10:00:30Z", 2), (Fires{"2027-01-01T10:01:00Z", "2027-01-01T10:02:00Z"}));
  EXPECT_EQ(fires("*/20 9-10 * * MON-FRI", "UTC", "2027-01-01T10:30:00Z", 4),
            (Fires{"2027-01-01T10:40:00Z", "2027-01-04T09:00:00Z", "2027-01-04T09:20:00Z", "2027-01-04T09:40:00Z"}));
}

TEST(NextFire, WallClockTimesOfAZone) {
  // 09:00 in Berlin is 08:00Z in winter and 07:00Z in summer.
  EXPECT_EQ(fires("0 9 * * *", "Europe/Berlin", "2027-01-10T00:00:00Z", 1), Fires{"2027-01-10T08:00:00Z"});
  EXPECT_EQ(fires("0 9 * * *", "Europe/Berlin", "2027-07-10T00:00:00Z", 1), Fires{"2027-07-10T07:00:00Z"});
  EXPECT_EQ(fires("0 9 * * *", "Australia/Lord_Howe", "2027-01-10T00:00:00Z", 1), Fires{"2027-01-10T22:00:00Z"});
}

TEST(NextFire, NewYorkSpringForwardFiresASkippedTimeOnceAtTheGapsEnd) {
  // 2027-03-14 02:00 EST becomes 03:00 EDT (07:00Z): 02:30 does not exist that day.
  EXPECT_EQ(fires("30 2 * * *", "America/New_York", "2027-03-13T00:00:00Z", 3),
            (Fires{"2027-03-13T07:30:00Z", "2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z"}));
  // Every skipped time of the hour fires at that same one instant, once.
  EXPECT_EQ(fires("*/15 2 * * *", "America/New_York", "2027-03-14T06:00:00Z", 2),
            (Fires{"2027-03-14T07:00:00Z", "2027-03-15T06:00:00Z"}));
  // 03:00 exists and coincides with the gap's end: still one fire.
  EXPECT_EQ(fires("30 2,3 * * *", "America/New_York", "2027-03-14T06:00:00Z", 3),
            (Fires{"2027-03-14T07:00:00Z", "2027-03-14T07:30:00Z", "2027-03-15T06:30:00Z"}));
}

TEST(NextFire, NewYorkFallBackFiresARepeatedTimeOnceAtItsFirstOccurrence) {
  // 2027-11-07 02:00 EDT becomes 01:00 EST (06:00Z): 01:00–01:59 happen twice.
  EXPECT_EQ(fires("30 1 * * *", "America/New_York", "2027-11-06T12:00:00Z", 2),
            (Fires{"2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z"}));
  EXPECT_EQ(fires("30 1 * * *", "America/New_York", "2027-11-07T05:30:00Z", 1), Fires{"2027-11-08T06:30:00Z"});
  EXPECT_EQ(fires("0 * * * *", "America/New_York", "2027-11-07T03:30:00Z", 4),
            (Fires{"2027-11-07T04:00:00Z", "2027-11-07T05:00:00Z", "2027-11-07T07:00:00Z", "2027-11-07T08:00:00Z"}));
  // Asked from inside the second pass of the hour: its times have had their fire already.
  EXPECT_EQ(fires("45 1 * * *", "America/New_York", "2027-11-07T06:10:00Z", 1), Fires{"2027-11-08T06:45:00Z"});
}

TEST(NextFire, BerlinSpringForwardAndFallBack) {
  // 2027-03-28 02:00 CET becomes 03:00 CEST (01:00Z); 2027-10-31 03:00 CEST becomes 02:00 CET (01:00Z).
  EXPECT_EQ(fires("30 2 * * *", "Europe/Berlin", "2027-03-27T12:00:00Z", 2),
            (Fires{"2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"}));
  EXPECT_EQ(fires("30 2 * * *", "Europe/Berlin", "2027-10-30T12:00:00Z", 2),
            (Fires{"2027-10-31T00:30:00Z", "2027-11-01T01:30:00Z"}));
  EXPECT_EQ(fires("0 3 * * *", "Europe/Berlin", "2027-03-27T12:00:00Z", 2),
            (Fires{"2027-03-28T01:00:00Z", "2027-03-29T01:00:00Z"}));
}

TEST(NextFire, LordHoweShiftsByHalfAnHour) {
  // 2027-10-03 02:00 +10:30 becomes 02:30 +11:00 (2027-10-02T15:30Z): 02:00–02:29 do not exist.
  EXPECT_EQ(fires("15 2 * * *", "Australia/Lord_Howe", "2027-10-02T00:00:00Z", 2),
            (Fires{"2027-10-02T15:30:00Z", "2027-10-03T15:15:00Z"}));
  EXPECT_EQ(fires("45 2 * * *", "Australia/Lord_Howe", "2027-10-02T00:00:00Z", 1), Fires{"2027-10-02T15:45:00Z"});
  // 2027-04-04 02:00 +11:00 becomes 01:30 +10:30 (2027-04-03T15:00Z): 01:30–01:59 happen twice.
  EXPECT_EQ(fires("45 1 * * *", "Australia/Lord_Howe", "2027-04-03T00:00:00Z", 2),
            (Fires{"2027-04-03T14:45:00Z", "2027-04-04T15:15:00Z"}));
  EXPECT_EQ(fires("0 2 * * *", "Australia/Lord_Howe", "2027-04-03T00:00:00Z", 2),
            (Fires{"2027-04-03T15:30:00Z", "2027-04-04T15:30:00Z"}));
  EXPECT_EQ(fires("15 1 * * *", "Australia/Lord_Howe", "2027-04-03T00:00:00Z", 2),
            (Fires{"2027-04-03T14:15:00Z", "2027-04-04T14:45:00Z"}));
}

TEST(NextFire, LeapDaysAndShortMonths) {
  EXPECT_EQ(fires("0 0 29 2 *", "UTC", "2027-01-01T00:00:00Z", 2), (Fires{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}));
  // 2100 is no leap year: the longest wait an expression can have.
  EXPECT_EQ(fires("0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", 1), Fires{"2104-02-29T00:00:00Z"});
  EXPECT_EQ(fires("0 12 29 2 *", "Europe/Berlin", "2027-06-01T00:00:00Z", 1), Fires{"2028-02-29T11:00:00Z"});
  // The 31st is skipped in months without one.
  EXPECT_EQ(fires("0 0 31 * *", "UTC", "2027-04-01T00:00:00Z", 3),
            (Fires{"2027-05-31T00:00:00Z", "2027-07-31T00:00:00Z", "2027-08-31T00:00:00Z"}));
}

TEST(NextFire, ExpressionsThatNeverFireGiveNone) {
  EXPECT_EQ(fires("0 0 30 2 *", "UTC", "2027-01-01T00:00:00Z", 1), Fires{"none"});
  EXPECT_EQ(fires("0 0 31 4,6,9,11 *", "America/New_York", "2027-01-01T00:00:00Z", 1), Fires{"none"});
}

TEST(NextFire, BothDayFieldsRestrictedMatchEither) {
  // `0 3 25-31 * 0` is not "the last Sunday": it fires on the 25th–31st and on every Sunday.
  // March 2027 in Berlin: Sunday the 21st, then the 25th–31st (the 28th is the spring-forward Sunday).
  EXPECT_EQ(fires("0 3 25-31 * 0", "Europe/Berlin", "2027-03-20T00:00:00Z", 5),
            (Fires{"2027-03-21T02:00:00Z", "2027-03-25T02:00:00Z", "2027-03-26T02:00:00Z", "2027-03-27T02:00:00Z",
                   "2027-03-28T01:00:00Z"}));
  // With one day field a bare `*`, the other alone decides: the 25th–31st of March only.
  EXPECT_EQ(fires("0 3 25-31 3 *", "Europe/Berlin", "2027-01-01T00:00:00Z", 2),
            (Fires{"2027-03-25T02:00:00Z", "2027-03-26T02:00:00Z"}));
  EXPECT_EQ(fires("0 3 25-31 3 *", "Europe/Berlin", "2027-03-31T02:00:00Z", 1), Fires{"2028-03-25T02:00:00Z"});
  // Sundays of March alone.
  EXPECT_EQ(fires("0 3 * 3 SUN", "Europe/Berlin", "2027-03-20T00:00:00Z", 2),
            (Fires{"2027-03-21T02:00:00Z", "2027-03-28T01:00:00Z"}));
  // The month still restricts both: Feb 29 or any Monday of February.
  EXPECT_EQ(fires("0 0 29 2 MON", "UTC", "2027-01-31T00:00:00Z", 2), (Fires{"2027-02-01T00:00:00Z", "2027-02-08T00:00:00Z"}));
}

TEST(NextFire, EveryIsAFixedIntervalFromTheStartUnaffectedByDaylightSaving) {
  const CronParse p = parse_cron("@every 1h30m");
  ASSERT_TRUE(p.ok());
  const date::sys_seconds start = at("2027-03-14T05:00:00Z");
  const date::time_zone& ny = zone("America/New_York");
  EXPECT_EQ(format_utc(*next_after(*p.schedule, at("2027-03-14T04:00:00Z"), ny, start)), "2027-03-14T05:00:00Z");
  EXPECT_EQ(format_utc(*next_after(*p.schedule, start, ny, start)), "2027-03-14T06:30:00Z");
  // Across the spring-forward at 07:00Z: still 90 minutes apart in UTC.
  EXPECT_EQ(format_utc(*next_after(*p.schedule, at("2027-03-14T06:30:00Z"), ny, start)), "2027-03-14T08:00:00Z");
  EXPECT_EQ(format_local(*next_after(*p.schedule, at("2027-03-14T06:30:00Z"), ny, start), ny), "2027-03-14T04:00:00-04:00");
  EXPECT_EQ(fires("@every 90s", "Europe/Berlin", "2027-10-31T00:59:00Z", 3),
            (Fires{"2027-10-31T01:00:30Z", "2027-10-31T01:02:00Z", "2027-10-31T01:03:30Z"}));
}

}  // namespace

// Parsing cron expressions: every syntax form gives the sets of values it should, and every
// malformed form gives its message and the column it points at.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schedule/cron_expression.h"

namespace {

using wf::schedule::CronFields;
using wf::schedule::CronParse;
using wf::schedule::CronSchedule;
using wf::schedule::parse_cron;

template <size_t N>
std::vector<int> values(const std::bitset<N>& bits) {
  std::vector<int> out;
  for (size_t i = 0; i < N; ++i)
    if (bits[i]) out.push_back(static_cast<int>(i));
  return out;
}

std::vector<int> range(int lo, int hi, int step = 1) {
  std::vector<int> out;
  for (int v = lo; v <= hi; v += step) out.push_back(v);
  return out;
}

CronFields fields(const std::string& text) {
  const CronParse p = parse_cron(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.error.column << ": " << p.error.message;
  if (!p.ok()) return {};
  EXPECT_EQ(p.schedule->kind, CronSchedule::Kind::Calendar) << text;
  EXPECT_EQ(p.schedule->text, text);
  return p.schedule->fields;
}

void expect_error(const std::string& text, size_t column, const std::string& message) {
  const CronParse p = parse_cron(text);
  ASSERT_FALSE(p.ok()) << text;
  EXPECT_EQ(p.error.message, message) << text;
  EXPECT_EQ(p.error.column, column) << text << ": " << p.error.message;
}

TEST(CronParse, StarsAllowEveryValue) {
  const CronFields f = fields("* * * * *");
  EXPECT_EQ(values(f.minutes), range(0, 59));
  EXPECT_EQ(values(f.hours), range(0, 23));
  EXPECT_EQ(values(f.days_of_month), range(1, 31));
  EXPECT_EQ(values(f.months), range(1, 12));
  EXPECT_EQ(values(f.days_of_week), range(0, 6));
  EXPECT_FALSE(f.day_of_month_restricted);
  EXPECT_FALSE(f.day_of_week_restricted);
}

TEST(CronParse, NumbersRangesListsAndSteps) {
  const CronFields f = fields("5 1-3 1,15,31 */3 1-5/2");
  EXPECT_EQ(values(f.minutes), std::vector<int>{5});
  EXPECT_EQ(values(f.hours), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(values(f.days_of_month), (std::vector<int>{1, 15, 31}));
  EXPECT_EQ(values(f.months), (std::vector<int>{1, 4, 7, 10}));
  EXPECT_EQ(values(f.days_of_week), (std::vector<int>{1, 3, 5}));
  EXPECT_TRUE(f.day_of_month_restricted);
  EXPECT_TRUE(f.day_of_week_restricted);
}

TEST(CronParse, AStepFromAValueRunsToTheFieldsEnd) {
  EXPECT_EQ(values(fields("10/20 * * * *").minutes), (std::vector<int>{10, 30, 50}));
  EXPECT_EQ(values(fields("0 3/8 * * *").hours), (std::vector<int>{3, 11, 19}));
  EXPECT_EQ(values(fields("0 0 */10 * *").days_of_month), (std::vector<int>{1, 11, 21, 31}));
  EXPECT_EQ(values(fields("*/15 * * * *").minutes), (std::vector<int>{0, 15, 30, 45}));
}

TEST(CronParse, ListsMixRangesStepsAndValues) {
  EXPECT_EQ(values(fields("0-4,10-20/5,59 * * * *").minutes), (std::vector<int>{0, 1, 2, 3, 4, 10, 15, 20, 59}));
}

TEST(CronParse, MonthAndDayNamesInAnyCase) {
  CronFields f = fields("0 0 * JAN,mar,Dec MON-fri");
  EXPECT_EQ(values(f.months), (std::vector<int>{1, 3, 12}));
  EXPECT_EQ(values(f.days_of_week), range(1, 5));
  f = fields("0 0 * feb-APR/2 sun,SAT");
  EXPECT_EQ(values(f.months), (std::vector<int>{2, 4}));
  EXPECT_EQ(values(f.days_of_week), (std::vector<int>{0, 6}));
}

TEST(CronParse, SevenIsSundayAlsoInRanges) {
  EXPECT_EQ(values(fields("0 0 * * 7").days_of_week), std::vector<int>{0});
  EXPECT_EQ(values(fields("0 0 * * 5-7").days_of_week), (std::vector<int>{0, 5, 6}));
  EXPECT_EQ(values(fields("0 0 * * 0-7").days_of_week), range(0, 6));
  EXPECT_EQ(values(fields("0 0 * * */2").days_of_week), (std::vector<int>{0, 2, 4, 6}));
}

TEST(CronParse, OnlyABareStarLeavesADayFieldUnrestricted) {
  EXPECT_TRUE(fields("0 0 */2 * *").day_of_month_restricted);
  EXPECT_TRUE(fields("0 0 1-31 * *").day_of_month_restricted);
  EXPECT_FALSE(fields("0 0 * * 1").day_of_month_restricted);
  EXPECT_TRUE(fields("0 0 * * 0-6").day_of_week_restricted);
}

TEST(CronParse, FieldsMaySitBetweenAnyBlanks) {
  const CronFields f = fields("  0\t12   *  *\t* \n");
  EXPECT_EQ(values(f.minutes), std::vector<int>{0});
  EXPECT_EQ(values(f.hours), std::vector<int>{12});
}

TEST(CronParse, NicknamesAreTheirFiveFields) {
  const auto same = [](const std::string& nickname, const std::string& expanded) {
    const CronFields a = fields(nickname), b = fields(expanded);
    EXPECT_EQ(a.minutes, b.minutes) << nickname;
    EXPECT_EQ(a.hours, b.hours) << nickname;
    EXPECT_EQ(a.days_of_month, b.days_of_month) << nickname;
    EXPECT_EQ(a.months, b.months) << nickname;
    EXPECT_EQ(a.days_of_week, b.days_of_week) << nickname;
    EXPECT_EQ(a.day_of_month_restricted, b.day_of_month_restricted) << nickname;
    EXPECT_EQ(a.day_of_week_restricted, b.day_of_week_restricted) << nickname;
  };
  same("@yearly", "0 0 1 1 *");
  same("@annually", "0 0 1 1 *");
  same("@monthly", "0 0 1 * *");
  same("@weekly", "0 0 * * 0");
  same("@daily", "0 0 * * *");
  same("@midnight", "0 0 * * *");
  same("@hourly", "0 * * * *");
  same("@DAILY", "0 0 * * *");
}

TEST(CronParse, EveryTakesADurationOfHoursMinutesAndSeconds) {
  const auto interval = [](const std::string& text) {
    const CronParse p = parse_cron(text);
    EXPECT_TRUE(p.ok()) << text << ": " << p.error.message;
    if (!p.ok()) return -1L;
    EXPECT_EQ(p.schedule->kind, CronSchedule::Kind::Every);
    return static_cast<long>(p.schedule->interval.count());
  };
  EXPECT_EQ(interval("@every 90s"), 90);
  EXPECT_EQ(interval("@every 5m"), 300);
  EXPECT_EQ(interval("@every 1h30m"), 5400);
  EXPECT_EQ(interval("@every 2h"), 7200);
  EXPECT_EQ(interval("@every 1h1m1s"), 3661);
  EXPECT_EQ(interval("  @every   45m "), 2700);
}

TEST(CronParse, ErrorsSayWhatIsWrongAndWhere) {
  expect_error("61 * * * *", 1, "minute 61 is out of range 0-59");
  expect_error("0 24 * * *", 3, "hour 24 is out of range 0-23");
  expect_error("0 0 0 * *", 5, "day of month 0 is out of range 1-31");
  expect_error("0 0 32 * *", 5, "day of month 32 is out of range 1-31");
  expect_error("0 0 * 13 *", 7, "month 13 is out of range 1-12");
  expect_error("0 0 * * 8", 9, "day of week 8 is out of range 0-7");
  expect_error("0 0 1 FOO *", 7, "unknown month name FOO");
  expect_error("0 0 1 * MON-FOO", 13, "unknown day name FOO");
  expect_error("* * * *", 8, "expected 5 fields, got 4");
  expect_error("* * * * * *", 11, "expected 5 fields, got 6");
  expect_error("", 1, "expected 5 fields, got 0");
  expect_error("*/0 * * * *", 3, "step must be at least 1");
  expect_error("1-5/0 * * * *", 5, "step must be at least 1");
  expect_error("0 5-3 * * *", 3, "range 5-3 is empty: it starts after it ends");
  expect_error("0 0 * DEC-JAN *", 7, "range DEC-JAN is empty: it starts after it ends");
  expect_error("1,,2 * * * *", 3, "empty list item in minute field");
  expect_error("1, * * * *", 3, "empty list item in minute field");
  expect_error("a * * * *", 1, "minute field expects a number, got \"a\"");
  expect_error("0 0 1 * 1x", 9, "day of week field expects a number or a name, got \"1x\"");
  expect_error("*/x * * * *", 3, "step \"x\" is not a number");
  expect_error("*/ * * * *", 3, "missing step after /");
  expect_error("/5 * * * *", 1, "missing range before /");
  expect_error("0 */24 * * *", 5, "step 24 is larger than the hour field's range 0-23");
  expect_error("5- * * * *", 3, "missing value in minute field");
  expect_error("0 0 99999999999999 * *", 5, "day of month 99999999999999 is out of range 1-31");
  expect_error("0 0 * * -1", 9, "missing value in day of week field");
}

TEST(CronParse, NicknameAndEveryErrors) {
  expect_error("@often", 1,
               "unknown nickname @often (use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>)");
  expect_error("@daily 5", 8, "unexpected \"5\" after @daily");
  expect_error("@every", 7, "@every needs a duration such as 90s, 5m or 1h30m");
  expect_error("@every 5", 9, "bad duration \"5\": the number 5 needs a unit h, m or s");
  expect_error("@every 5x", 9, "bad duration \"5x\": unknown unit 'x' (use h, m or s)");
  expect_error("@every m5", 8, "bad duration \"m5\": expected a number followed by h, m or s");
  expect_error("@every 0s", 8, "duration must be at least 1s");
  expect_error("@every 5m now", 11, "unexpected \"now\" after the duration");
}

}  // namespace

// `wf cron EXPR [--tz Z] [--from T] [--count N]`: the next fire times, one a line, in UTC and as the
// zone's wall clock with its offset; a bad expression, zone, time or count is an error with exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "wf_command.h"

namespace {

using wf::test::WfRun;
using wf::test::wf;

TEST(CronCommand, PrintsTheNextFireTimesInUtcAndInTheZone) {
  WfRun r = wf("cron '30 2 * * *' --tz America/New_York --from 2027-03-13T00:00:00Z --count 3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "2027-03-13T07:30:00Z  2027-03-13T02:30:00-05:00\n"
            "2027-03-14T07:00:00Z  2027-03-14T03:00:00-04:00\n"
            "2027-03-15T06:30:00Z  2027-03-15T02:30:00-04:00\n");
}

TEST(CronCommand, DefaultsToUtcAndFiveTimes) {
  WfRun r = wf("cron @daily --from 2027-12-30T12:00:00+01:00");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "2027-12-31T00:00:00Z  2027-12-31T00:00:00+00:00\n"
            "2028-01-01T00:00:00Z  2028-01-01T00:00:00+00:00\n"
            "2028-01-02T00:00:00Z  2028-01-02T00:00:00+00:00\n"
            "2028-01-03T00:00:00Z  2028-01-03T00:00:00+00:00\n"
            "2028-01-04T00:00:00Z  2028-01-04T00:00:00+00:00\n");
  // Without --from it starts now: five lines, whatever the date.
  r = wf("cron '*/5 * * * *'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 5) << r.output;
}

TEST(CronCommand, EveryCountsFromTheStartTime) {
  WfRun r = wf("cron '@every 1h30m' --tz Australia/Lord_Howe --from 2027-10-02T14:00:00Z --count 2");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "2027-10-02T15:30:00Z  2027-10-03T02:30:00+11:00\n"
            "2027-10-02T17:00:00Z  2027-10-03T04:00:00+11:00\n");
}

TEST(CronCommand, BadInputIsAClearErrorWithExitTwo) {
  WfRun r = wf("cron '0 24 * * *'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "wf cron: column 3: hour 24 is out of range 0-23\n  0 24 * * *\n    ^\n");
  r = wf("cron '0 0 * * *' --tz Mars/Base");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "wf cron: unknown time zone \"Mars/Base\" (an IANA name such as UTC or Europe/Berlin)\n");
  r = wf("cron '0 0 * * *' --from yesterday");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("wf cron: bad time \"yesterday\""), std::string::npos) << r.output;
  r = wf("cron '0 0 * * *' --count 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--count"), std::string::npos) << r.output;
  r = wf("cron");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("expression"), std::string::npos) << r.output;
}

TEST(CronCommand, AnExpressionThatNeverFiresSaysSo) {
  WfRun r = wf("cron '0 0 30 2 *' --from 2027-01-01T00:00:00Z");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "wf cron: `0 0 30 2 *` never fires (no fire time within 8 years after 2027-01-01T00:00:00Z)\n");
}

}  // namespace

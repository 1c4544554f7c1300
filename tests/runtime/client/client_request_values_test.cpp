// The client commands' argument values: `--param` values as typed JSON or strings, host lists,
// durations, `--at` times and ids (cli/client/request_values.h).
#include <gtest/gtest.h>

#include "cli/client/request_values.h"

namespace {

using namespace wf::cli;
using namespace std::chrono;

TEST(ParamValue, SendsWhatParsesAsJsonAsTypedJson) {
  EXPECT_EQ(param_value("42"), Json(42));
  EXPECT_EQ(param_value("-1.5"), Json(-1.5));
  EXPECT_EQ(param_value("true"), Json(true));
  EXPECT_EQ(param_value("null"), Json(nullptr));
  EXPECT_EQ(param_value("[1, \"a\"]"), Json::parse("[1,\"a\"]"));
  EXPECT_EQ(param_value("{\"k\": [true]}"), Json::parse("{\"k\":[true]}"));
  EXPECT_EQ(param_value("\"42\""), Json("42"));  // quoted: the string, not the number
}

TEST(ParamValue, SendsEverythingElseAsTheStringTyped) {
  EXPECT_EQ(param_value("5m"), Json("5m"));
  EXPECT_EQ(param_value("web1"), Json("web1"));
  EXPECT_EQ(param_value(""), Json(""));
  EXPECT_EQ(param_value("[1, 2"), Json("[1, 2"));
  EXPECT_EQ(param_value("hello world"), Json("hello world"));
  EXPECT_EQ(param_value("1e999"), Json("1e999"));  // no finite double: kept as typed
}

TEST(ParamAssignment, SplitsAtTheFirstEqualsSign) {
  std::string error;
  auto a = parse_param_assignment("query=a=b", error);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "query");
  EXPECT_EQ(a->value, Json("a=b"));
  auto b = parse_param_assignment("disk_limit=0", error);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->value, Json(0));
}

TEST(ParamAssignment, EveryParamBecomesOneFieldOfTheParamsObject) {
  std::string error;
  auto params = param_object({"threshold=80", "label=nightly run", "hosts=[\"a\"]"}, error);
  ASSERT_TRUE(params) << error;
  EXPECT_EQ(*params, Json::parse(R"({"threshold": 80, "label": "nightly run", "hosts": ["a"]})"));
  EXPECT_EQ(param_object({}, error), Json::object());
  EXPECT_FALSE(param_object({"a=1", "a=2"}, error));
  EXPECT_EQ(error, "--param a is given twice");
  EXPECT_FALSE(param_object({"a=1", "b"}, error));
  EXPECT_NE(error.find("NAME=VALUE"), std::string::npos) << error;
}

TEST(ParamAssignment, RefusesAMissingNameOrEqualsSign) {
  std::string error;
  EXPECT_FALSE(parse_param_assignment("disk_limit", error));
  EXPECT_NE(error.find("NAME=VALUE"), std::string::npos);
  error.clear();
  EXPECT_FALSE(parse_param_assignment("=5", error));
  EXPECT_FALSE(error.empty());
}

TEST(SplitNames, TrimsAndDropsEmptyNames) {
  EXPECT_EQ(split_names("web1, web2,,db1 "), (std::vector<std::string>{"web1", "web2", "db1"}));
  EXPECT_TRUE(split_names(" , ").empty());
  EXPECT_EQ(split_names("one"), (std::vector<std::string>{"one"}));
}

TEST(Duration, ReadsTheLanguagesUnitsAndCompounds) {
  EXPECT_EQ(parse_duration_ms("500ms"), 500);
  EXPECT_EQ(parse_duration_ms("30s"), 30'000);
  EXPECT_EQ(parse_duration_ms("5m"), 300'000);
  EXPECT_EQ(parse_duration_ms("2h"), 7'200'000);
  EXPECT_EQ(parse_duration_ms("1d"), 86'400'000);
  EXPECT_EQ(parse_duration_ms("1h30m"), 5'400'000);
  EXPECT_EQ(parse_duration_ms("0s"), 0);
}

TEST(Duration, RefusesWhatIsNotADuration) {
  for (const char* bad : {"", "30", "s", "5x", "-5s", "5 m", "1.5s", "m5", "99999999999999999999s", "40000d"})
    EXPECT_FALSE(parse_duration_ms(bad)) << bad;
}

TEST(StartTime, ReadsRfc3339InAnyOffsetAsUtc) {
  std::string error;
  const auto now = SystemClock::now();
  auto t = parse_start_time("2026-11-21T08:00:00Z", now, error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(format_rfc3339_utc(*t), "2026-11-21T08:00:00.000Z");
  t = parse_start_time("2026-11-21T09:30:00.25+01:00", now, error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(format_rfc3339_utc(*t), "2026-11-21T08:30:00.250Z");
  t = parse_start_time("2026-12-31t23:00:00.123456-02:00", now, error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(format_rfc3339_utc(*t), "2027-01-01T01:00:00.123Z");
  t = parse_start_time("2028-02-29 00:00:00z", now, error);  // a leap day; space and z as RFC 3339 allows
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(format_rfc3339_utc(*t), "2028-02-29T00:00:00.000Z");
}

TEST(StartTime, ReadsAPlusDurationFromNow) {
  std::string error;
  const SystemClock::time_point now{sys_days{2026y / November / 21} + 8h};
  auto t = parse_start_time("+10m", now, error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(format_rfc3339_utc(*t), "2026-11-21T08:10:00.000Z");
  t = parse_start_time("+1h30m", now, error);
  ASSERT_TRUE(t);
  EXPECT_EQ(*t - now, 90min);
}

TEST(StartTime, RefusesMalformedTimesWithAMessage) {
  const auto now = SystemClock::now();
  for (const char* bad : {"tomorrow", "+", "+10", "2026-11-21", "2026-11-21T08:00:00", "2026-02-29T00:00:00Z",
                          "2026-13-01T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T08:00:00+1:00",
                          "2026-11-21T08:00:00.Z", "2026-11-21T08:00:00Zjunk", "26-11-21T08:00:00Z"}) {
    std::string error;
    EXPECT_FALSE(parse_start_time(bad, now, error)) << bad;
    EXPECT_NE(error.find("--at"), std::string::npos) << bad;
  }
}

TEST(Rfc3339, FormatsMillisecondsInUtc) {
  const SystemClock::time_point t{sys_days{2026y / January / 2} + 3h + 4min + 5s + 6ms};
  EXPECT_EQ(format_rfc3339_utc(t), "2026-01-02T03:04:05.006Z");
  EXPECT_EQ(format_rfc3339_utc(SystemClock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(Id, TakesPositiveDecimalIntegersOnly) {
  EXPECT_EQ(parse_id("17"), 17);
  EXPECT_EQ(parse_id("000123"), 123);
  for (const char* bad : {"", "0", "-1", "1.0", "12a", " 1", "0x10", "9999999999999999999999"})
    EXPECT_FALSE(parse_id(bad)) << bad;
}

}  // namespace

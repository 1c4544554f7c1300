// A cron schedule expression parsed into the sets of values each field allows (SPEC §4.5): five
// fields `minute hour day-of-month month day-of-week`, a nickname such as `@daily`, or
// `@every <duration>`. A malformed expression gives an error value with the column it points at;
// nothing here throws.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace wf::schedule {

// The values a five-field expression allows. Bit i of a set stands for the value i: days of the
// month use bits 1–31, months 1–12, days of the week 0–6 with 0 = Sunday (`7` is folded into 0).
struct CronFields {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;
  std::bitset<13> months;
  std::bitset<7> days_of_week;
  // A field written as a bare `*` does not restrict the day. When both day fields restrict it, a
  // day matches if either does (the classic cron rule); otherwise both must.
  bool day_of_month_restricted = false;
  bool day_of_week_restricted = false;
};

struct CronSchedule {
  enum class Kind { Calendar, Every };
  Kind kind = Kind::Calendar;
  CronFields fields;                   // Kind::Calendar
  std::chrono::seconds interval{0};    // Kind::Every: fires every `interval` from the schedule's start
  std::string text;                    // the expression as written
};

struct CronError {
  size_t column = 1;  // 1-based, in the expression as written
  std::string message;
};

// Either a schedule or the first error found in the expression.
struct CronParse {
  std::optional<CronSchedule> schedule;
  CronError error;  // meaningful when `schedule` is empty
  bool ok() const { return schedule.has_value(); }
};

CronParse parse_cron(std::string_view text);

// Whether a calendar day (month 1–12, day 1–31, weekday 0–6 with 0 = Sunday) is one the fields
// allow, under the day-of-month / day-of-week rule above.
bool day_matches(const CronFields& f, unsigned month, unsigned day, unsigned weekday);

}  // namespace wf::schedule

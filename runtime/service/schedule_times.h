// A schedule's due times (SPEC §4.5): its cron expression in its zone, counted from its start,
// ending at its end date, in milliseconds since the epoch as the store keeps every instant. A
// calendar expression's fall on whole minutes; `@every D`'s on its start plus multiples of D.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/store/rows.h"
#include "schedule/cron_expression.h"
#include "schedule/zones.h"

namespace wf::service {

// Why an expression or a zone cannot make a schedule ("" when both can).
std::string schedule_problem(const std::string& expression, const std::string& zone);

// The due times of one schedule, its expression parsed and its zone found once, for a caller that
// walks several of them (a tick after downtime, the next ten shown).
class DueTimes {
 public:
  explicit DueTimes(const store::ScheduleRow& row);
  // The first due time strictly after `after_ms` (and not before the start), or nullopt when
  // there is none before the end (or the expression or zone is unusable).
  std::optional<int64_t> after(int64_t after_ms) const;

 private:
  const store::ScheduleRow& row_;
  std::optional<schedule::CronSchedule> schedule_;
  const date::time_zone* zone_ = nullptr;
};

// DueTimes(row).after(after_ms), for a single due time.
std::optional<int64_t> due_after(const store::ScheduleRow& row, int64_t after_ms);
// The due time a schedule waits for next from `now`: none once it has made its maximum of
// recurrences.
std::optional<int64_t> next_due(const store::ScheduleRow& row, int64_t now);

// Its next `count` due times from `after_ms` on, within its end date and what its maximum of
// recurrences leaves.
std::vector<int64_t> upcoming(const store::ScheduleRow& row, int64_t after_ms, size_t count);

}  // namespace wf::service

// A schedule's due times (see schedule_times.h), on the cron library.
#include "runtime/service/schedule_times.h"

#include <fmt/format.h>

#include "schedule/cron_expression.h"
#include "schedule/next_fire.h"
#include "schedule/zones.h"

namespace wf::service {

std::string schedule_problem(const std::string& expression, const std::string& zone) {
  const schedule::CronParse parsed = schedule::parse_cron(expression);
  if (!parsed.ok()) return fmt::format("bad cron expression `{}`: column {}: {}", expression, parsed.error.column, parsed.error.message);
  const schedule::ZoneLookup z = schedule::find_zone(zone);
  if (!z.zone) return fmt::format("bad time zone `{}`: {}", zone, z.error);
  return "";
}

DueTimes::DueTimes(const store::ScheduleRow& row) : row_(row), schedule_(schedule::parse_cron(row.expression).schedule) {
  zone_ = schedule::find_zone(row.zone).zone;
}

std::optional<int64_t> DueTimes::after(int64_t after_ms) const {
  const store::ScheduleRow& row = row_;
  if (!schedule_ || !zone_) return std::nullopt;
  if (schedule_->kind == schedule::CronSchedule::Kind::Every) {
    // A fixed interval counted from the start, to the millisecond: schedules made at different
    // moments fall due at different moments, not all on the same second.
    const int64_t interval = std::chrono::duration_cast<std::chrono::milliseconds>(schedule_->interval).count();
    if (interval <= 0) return std::nullopt;
    const int64_t due = after_ms < row.start_at ? row.start_at : row.start_at + ((after_ms - row.start_at) / interval + 1) * interval;
    if (row.end_at && due > *row.end_at) return std::nullopt;
    return due;
  }
  using std::chrono::seconds;
  // Seconds, rounded down: a due time is never in the same second as `after_ms` or before it.
  const int64_t floor_s = after_ms >= 0 ? after_ms / 1000 : -((-after_ms + 999) / 1000);
  const int64_t from = std::max(floor_s, row.start_at / 1000 - 1);
  const date::sys_seconds start{seconds(row.start_at / 1000)};
  auto next = schedule::next_after(*schedule_, date::sys_seconds{seconds(from)}, *zone_, start);
  if (!next) return std::nullopt;
  const int64_t due = next->time_since_epoch().count() * 1000;
  if (row.end_at && due > *row.end_at) return std::nullopt;
  return due;
}

std::optional<int64_t> due_after(const store::ScheduleRow& row, int64_t after_ms) { return DueTimes(row).after(after_ms); }

std::optional<int64_t> next_due(const store::ScheduleRow& row, int64_t now) {
  if (row.max_recurrences && row.tick_count >= *row.max_recurrences) return std::nullopt;
  return due_after(row, now);
}

std::vector<int64_t> upcoming(const store::ScheduleRow& row, int64_t after_ms, size_t count) {
  const DueTimes times(row);
  std::vector<int64_t> out;
  int64_t left = row.max_recurrences ? std::max<int64_t>(0, *row.max_recurrences - row.tick_count) : INT64_MAX;
  int64_t at = after_ms;
  while (out.size() < count && left-- > 0) {
    auto next = times.after(at);
    if (!next) break;
    out.push_back(*next);
    at = *next;
  }
  return out;
}

}  // namespace wf::service

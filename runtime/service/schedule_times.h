// A schedule's due times (SPEC §4.5): its cron expression in its zone, counted from its start,
// ending at its end date, in milliseconds since the epoch as the store keeps every instant. A
// calendar expression's fall on whole minutes; `@every D`'s on its start plus multiples of D.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/store/rows.h"

namespace wf::service {

// Why an expression or a zone cannot make a schedule ("" when both can).
std::string schedule_problem(const std::string& expression, const std::string& zone);

// The first due time of `row` strictly after `after_ms` (and not before its start), or nullopt
// when there is none before its end (or its expression or zone is unusable).
std::optional<int64_t> due_after(const store::ScheduleRow& row, int64_t after_ms);

// Its next `count` due times from `after_ms` on, within its end date and what its maximum of
// recurrences leaves.
std::vector<int64_t> upcoming(const store::ScheduleRow& row, int64_t after_ms, size_t count);

}  // namespace wf::service

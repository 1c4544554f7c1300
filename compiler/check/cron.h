// Validation of 5-field cron expressions (minute hour day-of-month month day-of-week) with
// ranges, lists, steps and month/day names, as `@schedule` takes them (SPEC §1.2, §4.5).
#pragma once

#include <string>
#include <string_view>

namespace wf {

// Empty when `expr` is valid, else what is wrong with it.
std::string cron_problem(std::string_view expr);

}  // namespace wf

// Validation of `@schedule`'s arguments (SPEC §1.2, §4.5): the cron expression — five fields with
// ranges, lists, steps and names, a nickname, or `@every <duration>` — and the IANA time zone, both
// by the cron library (schedule/), so the checker accepts exactly what the service runs.
#pragma once

#include <string>
#include <string_view>

namespace wf {

// Empty when `expr` is valid, else what is wrong with it.
std::string cron_problem(std::string_view expr);

// Empty when `zone` names a time zone of the system's tz database, else why it does not.
std::string zone_problem(std::string_view zone);

}  // namespace wf

// `@schedule`'s argument validation (see cron.h).
#include "check/cron.h"

#include <fmt/format.h>

#include "schedule/cron_expression.h"
#include "schedule/zones.h"

namespace wf {

std::string cron_problem(std::string_view expr) {
  const schedule::CronParse parsed = schedule::parse_cron(expr);
  if (parsed.ok()) return {};
  return fmt::format("{} (column {})", parsed.error.message, parsed.error.column);
}

std::string zone_problem(std::string_view zone) {
  const schedule::ZoneLookup found = schedule::find_zone(zone);
  return found.zone ? std::string() : found.error;
}

}  // namespace wf

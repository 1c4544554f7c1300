// Instants as RFC 3339 text: reading `2027-03-14T03:00:00-04:00` (or `...Z`), and writing an instant
// in UTC (`2027-03-14T07:00:00Z`) or as the wall clock of a zone with its offset
// (`2027-03-14T03:00:00-04:00`). Whole seconds: a fraction is read and dropped.
#pragma once

#include <date/tz.h>

#include <optional>
#include <string>
#include <string_view>

namespace wf::schedule {

struct InstantParse {
  std::optional<date::sys_seconds> instant;
  std::string error;  // when `instant` is empty
};

InstantParse parse_rfc3339(std::string_view text);

std::string format_utc(date::sys_seconds instant);
std::string format_local(date::sys_seconds instant, const date::time_zone& zone);

}  // namespace wf::schedule

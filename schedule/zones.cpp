// Zone lookup (see zones.h). date::locate_zone throws for an unknown name and when
// /usr/share/zoneinfo cannot be read; both become messages here.
#include "schedule/zones.h"

#include <fmt/format.h>

#include <exception>

namespace wf::schedule {

ZoneLookup find_zone(std::string_view name) {
  ZoneLookup out;
  if (name.empty()) {
    out.error = "empty time zone name";
    return out;
  }
  try {
    out.zone = date::locate_zone(name);
  } catch (const std::exception& e) {
    out.zone = nullptr;
    out.error = fmt::format("unknown time zone \"{}\" (an IANA name such as UTC or Europe/Berlin)", name);
  }
  return out;
}

}  // namespace wf::schedule

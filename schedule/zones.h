// Looking up an IANA time zone (`Europe/Berlin`, `UTC`) in the system's tz database without an
// exception escaping: an unknown name, or a database that cannot be read, is an error value.
#pragma once

#include <date/tz.h>

#include <string>
#include <string_view>

namespace wf::schedule {

struct ZoneLookup {
  const date::time_zone* zone = nullptr;  // owned by the tz database, valid for the process's life
  std::string error;                      // when `zone` is null
};

ZoneLookup find_zone(std::string_view name);

}  // namespace wf::schedule

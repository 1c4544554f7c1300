// libFuzzer entry for cron expressions (schedule/): bytes as an expression to parse_cron, which
// must give a schedule or an error whose column lies inside the expression (or just after it);
// a schedule's next fire time in UTC and in America/New_York, from an instant the first bytes
// choose, must lie after that instant.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "schedule/cron_expression.h"
#include "schedule/next_fire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  // Bytes 0–3: the instant, seconds from 2020 within about 34 years; then the expression.
  const uint32_t offset = data[0] | data[1] << 8 | data[2] << 16 | static_cast<uint32_t>(data[3]) << 24;
  const std::string_view text(reinterpret_cast<const char*>(data + 4), size - 4);
  const wf::schedule::CronParse p = wf::schedule::parse_cron(text);
  if (!p.ok()) {
    if (p.error.column < 1 || p.error.column > text.size() + 1 || p.error.message.empty()) __builtin_trap();
    return 0;
  }
  static const date::time_zone* zones[] = {date::locate_zone("UTC"), date::locate_zone("America/New_York")};
  const date::sys_seconds after = date::sys_days{date::year{2020} / 1 / 1} + std::chrono::seconds{offset >> 1};
  const auto next = wf::schedule::next_after(*p.schedule, after, *zones[offset & 1], after);
  if (next && *next <= after) __builtin_trap();
  return 0;
}

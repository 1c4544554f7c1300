// The wall clock every host of the VM reads — the VM itself sees time only through its host
// (SPEC §3): milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace wf::effects {

inline int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace wf::effects

// Gathers the per-area native lists into the one look-up the VM uses (find_native).
#include "stdlib/natives/registry.h"

#include <algorithm>

namespace wf::stdlib {

std::vector<NativeEntry> all_natives() {
  std::vector<NativeEntry> out;
  for (auto area : {conversion_natives(), string_natives(), collection_natives(), number_natives(),
                    json_natives(), time_natives(), host_natives(), approver_natives(),
                    local_natives()})
    out.insert(out.end(), area.begin(), area.end());
  return out;
}

Native find_native(std::string_view key) {
  // Built on first use (thread-safe as a function-local static) and sorted for binary search;
  // a module resolves each of its builtins once, when it is loaded.
  static const std::vector<NativeEntry> sorted = [] {
    std::vector<NativeEntry> v = all_natives();
    std::sort(v.begin(), v.end(), [](const NativeEntry& a, const NativeEntry& b) { return a.key < b.key; });
    return v;
  }();
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), key,
                                   [](const NativeEntry& e, std::string_view k) { return e.key < k; });
  return it != sorted.end() && it->key == key ? it->fn : nullptr;
}

}  // namespace wf::stdlib

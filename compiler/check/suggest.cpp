// The edit distance behind the checker's "did you mean ...?" fixes (see suggest.h).
#include "check/suggest.h"

#include <algorithm>

namespace wf {

size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic-programming table: the current one and the two before it (the
  // second is what a swap of neighbours looks back to).
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) current[j] = std::min(current[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  if (name.empty()) return std::nullopt;
  // Never as many edits as the name has characters: that would be any name at all.
  const size_t allowed = std::min<size_t>({2, std::max<size_t>(1, name.size() / 3), name.size() - 1});
  if (allowed == 0) return std::nullopt;
  std::optional<std::string> best;
  size_t best_distance = allowed + 1;
  for (const std::string& c : candidates) {
    if (c == name || c.empty()) continue;
    // Lengths that differ by more than the allowance cannot be close: skip the table.
    const size_t gap = c.size() > name.size() ? c.size() - name.size() : name.size() - c.size();
    if (gap > allowed) continue;
    const size_t d = edit_distance(name, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace wf

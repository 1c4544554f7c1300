// Offsets through edits (see offset_map.h).
#include "analysis/offset_map.h"

namespace wf::analysis {

OlderOffset to_older(const std::vector<TextEdit>& edits, uint32_t current) {
  OlderOffset out{current, true};
  for (auto it = edits.rbegin(); it != edits.rend(); ++it) {
    const TextEdit& e = *it;
    if (out.offset < e.begin) continue;
    if (out.offset >= e.begin + e.inserted) {
      out.offset = out.offset - e.inserted + (e.end - e.begin);
    } else {
      out.offset = e.begin;
      out.exact = false;
    }
  }
  return out;
}

uint32_t to_current(const std::vector<TextEdit>& edits, uint32_t older) {
  for (const TextEdit& e : edits) {
    if (older <= e.begin) continue;
    older = older >= e.end ? older - (e.end - e.begin) + e.inserted : e.begin;
  }
  return older;
}

SourceRange to_current(const std::vector<TextEdit>& edits, SourceRange older) {
  return {to_current(edits, older.begin), to_current(edits, older.end)};
}

}  // namespace wf::analysis

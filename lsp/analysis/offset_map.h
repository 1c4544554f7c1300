// Carrying byte offsets between a document's current text and the older text its latest completed
// analysis was made from, through the edits made since. Requests are answered from that analysis
// while a newer one is being made (workspace.h); their positions are in the current text.
#pragma once

#include <cstdint>
#include <vector>

#include "source/source_file.h"

namespace wf::analysis {

// Bytes [begin, end) of the text before the edit became `inserted` new bytes.
struct TextEdit {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t inserted = 0;
};

// An offset of the current text in the older one. `exact` is false when the offset lies inside
// text the edits inserted, which the older text does not have; `offset` is then where that text
// was inserted.
struct OlderOffset {
  uint32_t offset = 0;
  bool exact = true;
};

// `edits` are in the order they were made, the first one to the older text.
OlderOffset to_older(const std::vector<TextEdit>& edits, uint32_t current);
// An offset or a range of the older text in the current one; a place the edits replaced moves to
// the start of what replaced it.
uint32_t to_current(const std::vector<TextEdit>& edits, uint32_t older);
SourceRange to_current(const std::vector<TextEdit>& edits, SourceRange older);

}  // namespace wf::analysis

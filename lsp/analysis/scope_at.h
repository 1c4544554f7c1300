// The local names visible at an offset of the document: the parameters of the declaration around
// it and the variables declared before it in the blocks that enclose it, innermost last (a later
// name shadows an earlier one of the same spelling).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/snapshot.h"

namespace wf::analysis {

struct LocalName {
  std::string name;
  bool is_param = false;
  const Binding* binding = nullptr;  // null when the checker made none (a parameter never used)
  std::string written_type;          // the type as written, when there is one
};

std::vector<LocalName> locals_at(const Snapshot& snapshot, uint32_t offset);

}  // namespace wf::analysis

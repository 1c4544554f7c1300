// Rendering an ErrorPath (see error_path.h).
#include "vm/error_path.h"

#include <vector>

namespace wf::vm {

std::string ErrorPath::text() const {
  std::vector<const Step*> steps;
  for (const Step* s = top_; s; s = s->up_) steps.push_back(s);
  std::string where;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if ((*it)->field_.empty()) {
      where += '[';
      where += std::to_string((*it)->index_);
      where += ']';
    } else {
      if (!where.empty()) where += ".";
      where += (*it)->field_;
    }
  }
  return where;
}

}  // namespace wf::vm

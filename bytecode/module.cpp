// Questions asked of a compiled module (see module.h).
#include "bytecode/module.h"

namespace wf::bytecode {

std::optional<uint32_t> find_workflow(const Module& m, std::string_view name) {
  for (size_t i = 0; i < m.workflows.size(); ++i)
    if (m.workflows[i].name == name) return static_cast<uint32_t>(i);
  return std::nullopt;
}

}  // namespace wf::bytecode

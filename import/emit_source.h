// Writes the wf source of a checked legacy graph: one workflow whose every legacy step is a
// `step "<id>"`, as structured code (sequences, if/else for conditionals and failure routes,
// `checkout` blocks, `parallel`) when the graph allows it, else as a state-machine loop over the
// step ids; then the scripts the steps run. The text is not yet formatted.
#pragma once

#include <string>
#include <vector>

#include "legacy_graph.h"

namespace wf::legacy {

struct EmitOptions {
  std::string scripts_dir;  // where `script_id` N is exported as N.json; "" for none
};

struct Emitted {
  std::string source;
  std::string workflow;  // the workflow's name
  bool structured = true;
  std::vector<std::string> warnings;
};

// Throws ImportError (naming the step) for what cannot be imported.
Emitted emit_source(const Graph& graph, const EmitOptions& options);

}  // namespace wf::legacy

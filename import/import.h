// `wf import`'s engine (SPEC §9): a legacy step-graph JSON in, formatted wf source out, checked
// by the compiler before it is handed back. Used by the CLI and by POST /definitions/import.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace wf::legacy {

struct ImportOptions {
  std::string scripts_dir;  // `--scripts DIR`: exported scripts as N.json
  // Check the source with the compiler before returning it. The service compiles what it stores
  // anyway, off its event loop, so it leaves this off.
  bool check = true;
};

struct ImportResult {
  bool ok = false;
  std::string source;    // formatted as `wf fmt` formats
  std::string workflow;  // the name of the workflow in `source`
  bool structured = true;  // false: a state-machine loop
  std::vector<std::string> warnings;
  std::string error;  // when !ok: names the step
  std::string note;   // what to do instead, when there is something to say
};

ImportResult import_legacy(const std::string& json_text, const ImportOptions& options = {});

// Whether a JSON body is a legacy graph rather than wf's own export: it has `steps`.
bool is_legacy_graph(const nlohmann::json& body);

}  // namespace wf::legacy

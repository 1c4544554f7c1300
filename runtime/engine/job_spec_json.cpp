// The agent's form of a job spec (see job_spec_json.h).
#include "runtime/engine/job_spec_json.h"

namespace wf::engine {

nlohmann::json spec_json(const jobs::JobSpec& s) {
  nlohmann::json j;
  if (s.shell_command) {
    j["kind"] = "command";
    j["shell_command"] = *s.shell_command;
  } else if (s.script_body) {
    j["kind"] = "script";
    j["script_body"] = *s.script_body;
  } else {
    j["kind"] = "argv";
    j["argv"] = s.argv;
  }
  j["interpreter"] = s.interpreter == jobs::Interpreter::Python ? "python" : s.interpreter == jobs::Interpreter::PowerShell ? "powershell" : "bash";
  j["env"] = s.env;
  j["timeout_ms"] = s.timeout.count();
  j["kill_grace_ms"] = s.kill_grace.count();
  j["output_cap"] = s.output_cap;
  j["working_dir"] = s.working_dir;
  j["elevated"] = s.elevated;
  return j;
}

}  // namespace wf::engine

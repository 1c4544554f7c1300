// What one `run` effect asks of one host, as a job the executor can run (SPEC §1.6, §4.2):
// command strings with their interpolations shell-quoted, argv commands run without a shell,
// scripts with their libraries prepended and parameters in WF_PARAM_* variables, and the typed
// job kinds translated to the commands an agent runs for them.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "bytecode/module.h"
#include "jobs/job.h"
#include "vm/value.h"

namespace wf::effects {

struct PlannedJob {
  jobs::JobSpec spec;
  std::string description;  // the command line or script name, for timelines and simulation
};

// The secret of the credential a job runs `as`, fetched for this job only.
struct JobCredential {
  std::string username, domain, credential_type, secret;
};

// A job, or why it cannot be made (reported as a `config` failure of that host).
std::variant<PlannedJob, std::string> plan_job(const bytecode::Module& module, const vm::Value& run_args,
                                               const vm::Value& host, const std::optional<JobCredential>& as);

// A script of `module` as a job: its libraries prepended in `uses` order, its interpreter, timeout
// and elevation, and each of `params` (a parameter's name and value) in its WF_PARAM_* variable.
// What a workflow's `run script` and the script library's execute (POST /scripts/{name}/execute)
// both run.
PlannedJob plan_script(const bytecode::Module& module, const bytecode::Script& script,
                       const std::vector<std::pair<std::string, vm::Value>>& params);

// The priority of a run's jobs: its `priority` clause, or SPEC §1.6's default for its kind —
// service, process, user and group control `critical`, network diagnostics `high`, others `normal`.
std::string job_priority(const vm::Value& run_args);

// The environment variable a script parameter arrives in: `threshold` → `WF_PARAM_THRESHOLD`.
std::string param_variable(std::string_view name);

}  // namespace wf::effects

// What the script library commands (`wf scripts ...`) make of the service's answers (docs/api.md,
// "Script library"): a parameter as the declaration writes it, the table of `wf scripts ls`, the
// summary of `wf scripts show`, the tables of executions and of the jobs one run made, and the
// exit code of a run that waited for all its jobs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client/json_fields.h"

namespace wf::cli {

// One parameter of a script view as `name: type = default` (the default as JSON; `?` when it
// failed to compute), or `name: type` without a default.
std::string parameter_text(const Json& parameter);

// The table of `wf scripts ls`: NAME, KIND, LANGUAGE, PARAMETERS, TIMEOUT, ELEVATED, DEFINITION,
// from `GET /scripts` items. A library's parameters, timeout and elevated are `-`.
std::string render_script_table(const Json& items);

// The summary of `wf scripts show`: name, kind, language and definition, its docs, parameters,
// uses, timeout and elevated, then its body indented.
std::string render_script_detail(const Json& script);

// The table of `wf scripts executions`: JOB, HOST, STATUS, EXIT, DURATION, STARTED, INSTANCE,
// from `GET /scripts/{name}/executions` items.
std::string render_execution_table(const Json& items);

// The table of `wf scripts run --wait`: JOB, HOST, STATUS, EXIT, DURATION, from job views.
std::string render_run_table(const std::vector<Json>& jobs);

// The exit code of a run whose jobs have all ended, given their statuses: 0 when every one
// completed, 1 when any failed (failed, config, internal), else 3 (one timed out or was
// cancelled). nullopt when one has not ended or the list is empty.
std::optional<int> exit_code_for_jobs(const std::vector<std::string>& statuses);

}  // namespace wf::cli

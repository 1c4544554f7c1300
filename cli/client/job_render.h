// What the job commands (`wf jobs`, `wf job ...`) make of the service's job views (docs/api.md,
// "Jobs and agents"): the job statuses, whether one has ended and the exit code a followed job
// ends the command with, the table of `wf jobs`, the summary of `wf job show`, and output text made
// safe for a terminal.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client/json_fields.h"

namespace wf::cli {

// The job statuses of the API (runtime/store/statuses.h), for checking `--status` first.
const std::vector<std::string>& job_statuses();

// The job priorities, lowest first, for checking `--priority` first.
const std::vector<std::string>& job_priorities();

// queued, dispatched and running have not ended; every other status has.
bool job_has_ended(std::string_view status);

// The exit code for an ended job, as `wf wait` gives one for an instance: completed 0; failed,
// config and internal 1; timeout and cancelled 3. nullopt while it has not ended.
std::optional<int> exit_code_for_job(std::string_view status);

// The table of `wf jobs`: ID, HOST, STATUS, EXIT, PRIORITY, INSTANCE, SCHEDULED, DESCRIPTION.
std::string render_job_table(const Json& items);

// The summary of `wf job show`: fields, then stdout and stderr indented under their names.
std::string render_job_detail(const Json& job);

// Output as it may go to a terminal: line breaks and tabs kept, every other control character
// (escape sequences included) turned into a space.
std::string terminal_safe(std::string_view text);
// Each line of `text` indented by two spaces, ending with a line break, made terminal_safe.
std::string indented(std::string_view text);

}  // namespace wf::cli

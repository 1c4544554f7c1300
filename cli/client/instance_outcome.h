// What an instance's detail (docs/api.md, "Instances") means for the command that waited for it:
// whether it has ended, the exit code `wf wait` ends with (SPEC §6, the same as `wf run`), and
// the one line that says why it did not complete.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client/json_fields.h"

namespace wf::cli {

// completed, failed, cancelled and timeout are final; queued, running and paused are not.
bool is_terminal_status(std::string_view status);

// The instance statuses of the API, for checking `--status` before asking the service.
const std::vector<std::string>& instance_statuses();
// The approval request statuses a list may filter by, and "all".
const std::vector<std::string>& approval_statuses();

// The `kind` of the instance's error (`failed`, `rejected`, `timeout`, ...); "" when it has none.
std::string error_kind(const Json& detail);

// The exit code for a finished instance: completed 0; failed 1, or 3 when its error is a
// `rejected`, `timeout` or `cancelled` one; cancelled 3; timeout 3. nullopt while it has not ended
// (or when the detail has no status the API defines).
std::optional<int> exit_code_for_instance(const Json& detail);

// Why a finished instance did not complete, for stderr: "workflow failed: rejected: not approved",
// "workflow cancelled", "workflow timed out: ...".
std::string outcome_line(const Json& detail);

}  // namespace wf::cli

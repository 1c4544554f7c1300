// The text form of the client commands' output: aligned tables (`wf ls`, `wf approvals`), the
// readable summary of `wf show`, execution log lines (`wf logs`) and compile diagnostics
// (`wf push`). Every string that came from the service is printed on one line with control
// characters replaced, so a title or message cannot break a table or drive the terminal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client/json_fields.h"

namespace wf::cli {

// Columns padded to their widest cell (counted in characters, not bytes), two spaces apart, no
// trailing blanks; a row shorter than the header leaves its last columns empty. Ends with '\n'.
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// `text` with line breaks, tabs and other control characters turned into spaces.
std::string one_line(std::string_view text);
// one_line(text), or "-" for an empty text: a table's empty cell.
std::string or_dash(const std::string& text);
// The integer field `name` of `object`, or "-" when it has none.
std::string int_or_dash(const Json& object, std::string_view name);

// 250ms, 1.5s, 2m05s, 1h02m: short and exact enough for step timelines.
std::string format_duration_ms(int64_t ms);

// "paused (approval)" for a paused instance, else its status.
std::string status_text(const Json& instance);

// The table of `wf ls`: ID, WORKFLOW, STATUS, STARTED, from `GET /instances` items.
std::string render_instance_table(const Json& items);

// The table of `wf approvals`: ID, INSTANCE, STATUS, TITLE, from `GET /approvals` items.
std::string render_approval_table(const Json& items);

// The summary of `wf show`: status, pause reason, error, times, steps with durations, variables
// and result.
std::string render_instance_detail(const Json& detail);

// One entry of `GET /instances/{id}/log` as a line without its '\n': "AT  KIND  MESSAGE".
std::string render_log_entry(const Json& entry);

// One diagnostic of a 422 `compile_failed` answer as `file:line:col: error[CODE]: message`, with
// `display_file` in place of the file the service names.
std::string render_diagnostic(const Json& diagnostic, std::string_view display_file);

}  // namespace wf::cli

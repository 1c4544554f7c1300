// The job commands' reading of job views (see job_render.h).
#include "cli/client/job_render.h"

#include <fmt/format.h>

#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/store/statuses.h"

namespace wf::cli {

namespace {

}  // namespace

const std::vector<std::string>& job_statuses() {
  static const std::vector<std::string> statuses(store::kJobStatusNames.begin(), store::kJobStatusNames.end());
  return statuses;
}

const std::vector<std::string>& job_priorities() {
  static const std::vector<std::string> priorities(store::kJobPriorityNames.begin(), store::kJobPriorityNames.end());
  return priorities;
}

bool job_has_ended(std::string_view status) {
  const auto s = store::parse<store::JobStatus>(status);
  return s && store::has_ended(*s);
}

std::optional<int> exit_code_for_job(std::string_view status) {
  const auto s = store::parse<store::JobStatus>(status);
  if (!s || !store::has_ended(*s)) return std::nullopt;
  switch (*s) {
    case store::JobStatus::Completed: return kExitOk;
    case store::JobStatus::Timeout:
    case store::JobStatus::Cancelled: return kExitCancelled;
    default: return kExitFailed;
  }
}

std::string render_job_table(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  if (items.is_array()) {
    for (const Json& job : items)
      rows.push_back({int_or_dash(job, "id"), or_dash(text_field(job, "host")), or_dash(text_field(job, "status")),
                      int_or_dash(job, "exit_code"), or_dash(text_field(job, "priority")), int_or_dash(job, "instance_id"),
                      or_dash(text_field(job, "scheduled_at")), or_dash(text_field(job, "description"))});
  }
  return render_table({"ID", "HOST", "STATUS", "EXIT", "PRIORITY", "INSTANCE", "SCHEDULED", "DESCRIPTION"}, rows);
}

std::string render_job_detail(const Json& job) {
  std::string out = fmt::format("job {}: {}\n", int_or_dash(job, "id"), or_dash(text_field(job, "description")));
  auto line = [&out](std::string_view label, const std::string& value) {
    if (!value.empty() && value != "-") out += fmt::format("{:<10} {}\n", label, one_line(value));
  };
  std::string status = text_field(job, "status");
  if (auto code = int_field(job, "exit_code")) status += fmt::format(" (exit {})", *code);
  line("status", status);
  line("host", text_field(job, "host"));
  line("priority", text_field(job, "priority"));
  line("instance", int_or_dash(job, "instance_id"));
  if (auto attempt = int_field(job, "attempt"); attempt && *attempt > 1) line("attempt", std::to_string(*attempt));
  line("scheduled", text_field(job, "scheduled_at"));
  line("started", text_field(job, "started_at"));
  line("ended", text_field(job, "ended_at"));
  if (auto ms = int_field(job, "duration_ms")) line("duration", format_duration_ms(*ms));
  line("error", text_field(job, "error"));
  for (const char* stream : {"stdout", "stderr"}) {
    const std::string text = text_field(job, stream);
    const Json* cut = field(job, std::string(stream) + "_truncated");
    const bool truncated = cut != nullptr && cut->is_boolean() && cut->get<bool>();
    out += fmt::format("{}{}\n", stream, text.empty() ? " (empty)" : truncated ? " (truncated)" : "");
    out += indented(text);
  }
  return out;
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find_first_of("\n\t", start);
    out += one_line(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    out.push_back(text[end]);
    start = end + 1;
  }
  return out;
}

std::string indented(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out += "  " + terminal_safe(text.substr(start, end - start)) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace wf::cli

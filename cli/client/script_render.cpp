// The script library commands' reading of the service's answers (see script_render.h).
#include "cli/client/script_render.h"

#include <fmt/format.h>

#include "cli/client/job_render.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "compiler/syntax/literals.h"

namespace wf::cli {

namespace {

std::string duration_or_dash(const Json& object, std::string_view name) {
  const auto ms = int_field(object, name);
  return ms ? format_duration_ms(*ms) : "-";
}

bool is_library(const Json& script) { return text_field(script, "kind") == "library"; }

// A script's timeout as the declaration writes it (`45s`, `5m`); `-` for a library.
std::string timeout_text(const Json& script) {
  const auto ms = int_field(script, "timeout_ms");
  return ms ? wf::format_duration(*ms) : "-";
}

std::string elevated_text(const Json& script) {
  const Json* elevated = field(script, "elevated");
  if (elevated == nullptr || !elevated->is_boolean()) return "-";
  return elevated->get<bool>() ? "yes" : "no";
}

// `disk v3`: the definition whose published version declares the script.
std::string definition_text(const Json& script) {
  const Json* definition = field(script, "definition");
  if (definition == nullptr) return "-";
  std::string text = or_dash(text_field(*definition, "name"));
  if (auto version = int_field(*definition, "version")) text += fmt::format(" v{}", *version);
  return text;
}

std::vector<std::string> parameter_texts(const Json& script) {
  std::vector<std::string> out;
  const Json* parameters = field(script, "parameters");
  if (parameters != nullptr && parameters->is_array())
    for (const Json& p : *parameters) out.push_back(parameter_text(p));
  return out;
}

std::vector<std::string> names(const Json& script, std::string_view list) {
  std::vector<std::string> out;
  const Json* items = field(script, list);
  if (items != nullptr && items->is_array())
    for (const Json& item : *items)
      if (item.is_string()) out.push_back(one_line(item.get<std::string>()));
  return out;
}

}  // namespace

std::string parameter_text(const Json& parameter) {
  std::string text = fmt::format("{}: {}", one_line(text_field(parameter, "name")), one_line(text_field(parameter, "type")));
  if (const Json* value = field(parameter, "default")) text += " = " + one_line(compact(*value));
  else if (field(parameter, "default_error") != nullptr) text += " = ?";
  return text;
}

std::string render_script_table(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  if (items.is_array()) {
    for (const Json& s : items) {
      const std::vector<std::string> parameters = parameter_texts(s);
      rows.push_back({or_dash(text_field(s, "name")), or_dash(text_field(s, "kind")), or_dash(text_field(s, "language")),
                      parameters.empty() ? "-" : fmt::format("{}", fmt::join(parameters, ", ")), timeout_text(s),
                      elevated_text(s), definition_text(s)});
    }
  }
  return render_table({"NAME", "KIND", "LANGUAGE", "PARAMETERS", "TIMEOUT", "ELEVATED", "DEFINITION"}, rows);
}

std::string render_script_detail(const Json& script) {
  std::string out = fmt::format("{} {} ({}), from {}\n", or_dash(text_field(script, "kind")),
                                or_dash(text_field(script, "name")), or_dash(text_field(script, "language")),
                                definition_text(script));
  if (const std::string docs = text_field(script, "docs"); !docs.empty()) out += indented(docs);
  auto line = [&out](std::string_view label, const std::string& value) { out += fmt::format("{:<11} {}\n", label, value); };
  if (!is_library(script)) {
    const Json* parameters = field(script, "parameters");
    if (parameters == nullptr || !parameters->is_array() || parameters->empty()) line("parameters", "none");
    else out += "parameters\n";
    if (parameters != nullptr && parameters->is_array())
      for (const Json& p : *parameters) {
        std::string note;
        if (field(p, "default_error") != nullptr)
          note = fmt::format("  (its default fails: {})", one_line(text_field(p, "default_error")));
        else if (const Json* required = field(p, "required"); required != nullptr && required->is_boolean() && required->get<bool>())
          note = "  (required)";
        out += fmt::format("  {}{}\n", parameter_text(p), note);
      }
    const std::vector<std::string> uses = names(script, "uses");
    if (!uses.empty()) line("uses", fmt::format("{}", fmt::join(uses, ", ")));
    line("timeout", timeout_text(script));
    line("elevated", elevated_text(script));
  }
  out += "body\n";
  out += indented(text_field(script, "body"));
  return out;
}

std::string render_execution_table(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  if (items.is_array()) {
    for (const Json& job : items) {
      const std::string id = int_field(job, "job_id") ? int_or_dash(job, "job_id") : int_or_dash(job, "id");
      rows.push_back({id, or_dash(text_field(job, "host")), or_dash(text_field(job, "status")), int_or_dash(job, "exit_code"),
                      duration_or_dash(job, "duration_ms"), or_dash(text_field(job, "started_at")),
                      int_or_dash(job, "instance_id")});
    }
  }
  return render_table({"JOB", "HOST", "STATUS", "EXIT", "DURATION", "STARTED", "INSTANCE"}, rows);
}

std::string render_run_table(const std::vector<Json>& jobs) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& job : jobs)
    rows.push_back({int_or_dash(job, "id"), or_dash(text_field(job, "host")), or_dash(text_field(job, "status")),
                    int_or_dash(job, "exit_code"), duration_or_dash(job, "duration_ms")});
  return render_table({"JOB", "HOST", "STATUS", "EXIT", "DURATION"}, rows);
}

std::optional<int> exit_code_for_jobs(const std::vector<std::string>& statuses) {
  if (statuses.empty()) return std::nullopt;
  bool failed = false, stopped = false;
  for (const std::string& status : statuses) {
    const auto one = exit_code_for_job(status);
    if (!one) return std::nullopt;
    failed = failed || *one == kExitFailed;
    stopped = stopped || *one == kExitCancelled;
  }
  // A failure says more than a timeout or a cancellation: it decides when there are both.
  return failed ? kExitFailed : stopped ? kExitCancelled : kExitOk;
}

}  // namespace wf::cli

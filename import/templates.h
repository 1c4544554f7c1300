// Legacy `{{...}}` templates as typed wf expressions: `{{step_scan.exit_code}}` is the `int` the
// step `scan` recorded, `{{step_scan.json.ip}}` its `json` output indexed, `{{variables.X}}` the
// parameter X, `{{db_admin.username}}` a field of the checked-out credential, `{{hosts.hostname}}`
// the host a job runs on. Text with templates becomes an interpolated string literal; a
// conditional's condition becomes a `bool` expression whose operands are converted to one type.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace wf::legacy {

enum class ValueType { String, Int, Float, Bool, Json };

struct Typed {
  std::string expr;
  ValueType type = ValueType::String;
};

// What templates may name, and what they were found to use.
struct TemplateScope {
  // Legacy variable name -> the workflow parameter.
  std::map<std::string, Typed> params;
  // Step id -> whether it is a script or command step (the only ones with output).
  std::map<std::string, bool> steps;
  // Identity or variable_name of a pam_checkout -> the credential's wf name.
  std::map<std::string, std::string> credentials;
  // Filled in: the outputs templates read, as (step id, "stdout" | "exit_code" | "json").
  std::set<std::pair<std::string, std::string>> used_outputs;
};

// The variable holding a step's recorded output (`step_scan_stdout`).
std::string output_variable(const std::string& step_id, const std::string& field);

// Whether `text` has a `{{hosts.…}}` template, which is per host.
bool uses_host_templates(const std::string& text);

// `text` as a wf string literal; templates become interpolations. `host` names the host variable
// of a per-host job ("" elsewhere: `{{hosts.hostname}}` is then every host's name, joined).
// `step` names the step for errors. Throws ImportError.
std::string string_expr(const std::string& text, TemplateScope& scope, const std::string& step, const std::string& host = "");

// A conditional's condition as a `bool` expression (throws ImportError naming `step`).
std::string condition_expr(const std::string& text, TemplateScope& scope, const std::string& step);

// `{{X}}` or `X` of `run_as`: the credential's wf name (throws ImportError naming `step`).
std::string credential_name(const std::string& run_as, const TemplateScope& scope, const std::string& step);

}  // namespace wf::legacy

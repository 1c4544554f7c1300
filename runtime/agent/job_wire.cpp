// Job specs and reports on the wire (see job_wire.h).
#include "runtime/agent/job_wire.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "runtime/agent/utf8_text.h"

namespace wf::agent {

namespace {

using nlohmann::json;

bool is_integer(const json& j) { return j.is_number_integer() || j.is_number_unsigned(); }

bool absent(const json& spec, const char* name) { return !spec.contains(name) || spec[name].is_null(); }

// A non-negative (or, with `positive`, at least 1) millisecond or byte count. Absent leaves `out`
// alone, keeping the executor's default.
template <typename T>
bool read_count(const json& spec, const char* name, bool positive, T& out, std::string& error) {
  if (absent(spec, name)) return true;
  const json& v = spec[name];
  if (!is_integer(v)) {
    error = fmt::format("`{}` must be an integer, got {}", name, v.type_name());
    return false;
  }
  const bool negative = v.is_number_integer() && v.get<int64_t>() < 0;
  const uint64_t value = negative ? 0 : v.get<uint64_t>();
  if (negative || (positive && value == 0) || value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    error = fmt::format("`{}` must be {}, got {}", name, positive ? "at least 1" : "at least 0", v.dump());
    return false;
  }
  out = static_cast<T>(value);
  return true;
}

bool read_text(const json& spec, const char* name, bool required, std::string& out, std::string& error) {
  if (absent(spec, name)) {
    if (required) error = fmt::format("`{}` is missing", name);
    return !required;
  }
  if (!spec[name].is_string()) {
    error = fmt::format("`{}` must be a string, got {}", name, spec[name].type_name());
    return false;
  }
  out = spec[name].get<std::string>();
  if (required && out.empty()) {
    error = fmt::format("`{}` is empty", name);
    return false;
  }
  return true;
}

bool read_interpreter(const json& spec, jobs::Interpreter& out, std::string& error) {
  std::string name = "bash";
  if (!read_text(spec, "interpreter", false, name, error)) return false;
  if (name == "bash") out = jobs::Interpreter::Bash;
  else if (name == "python") out = jobs::Interpreter::Python;
  else if (name == "powershell") out = jobs::Interpreter::PowerShell;
  else {
    error = fmt::format("unknown interpreter \"{}\" (bash, python or powershell)", name);
    return false;
  }
  return true;
}

bool read_argv(const json& spec, std::vector<std::string>& out, std::string& error) {
  if (absent(spec, "argv") || !spec["argv"].is_array() || spec["argv"].empty()) {
    error = "`argv` must be a non-empty list of strings";
    return false;
  }
  for (const json& arg : spec["argv"]) {
    if (!arg.is_string()) {
      error = fmt::format("`argv` must hold only strings, got {}", arg.type_name());
      return false;
    }
    out.push_back(arg.get<std::string>());
  }
  return true;
}

bool read_env(const json& spec, std::map<std::string, std::string>& out, std::string& error) {
  if (absent(spec, "env")) return true;
  if (!spec["env"].is_object()) {
    error = fmt::format("`env` must be an object of strings, got {}", spec["env"].type_name());
    return false;
  }
  for (const auto& [name, value] : spec["env"].items()) {
    if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
      error = fmt::format("`env` has a bad variable name \"{}\"", name);
      return false;
    }
    if (!value.is_string()) {
      error = fmt::format("`env.{}` must be a string, got {}", name, value.type_name());
      return false;
    }
    out[name] = value.get<std::string>();
  }
  return true;
}

// The first `limit` bytes of `text`, not splitting a character.
std::string head(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  const std::string_view cut(text.data(), limit);
  return std::string(cut.substr(0, complete_utf8_prefix(cut)));
}

}  // namespace

std::string dump_lenient(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

int64_t job_id_of(const json& spec) {
  if (!spec.is_object() || !spec.contains("id")) return 0;
  const json& id = spec["id"];
  if (id.is_number_unsigned()) {
    const uint64_t v = id.get<uint64_t>();
    return v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? static_cast<int64_t>(v) : 0;
  }
  if (id.is_number_integer()) return std::max<int64_t>(id.get<int64_t>(), 0);
  return 0;
}

std::string job_description(const json& spec) {
  std::string text;
  if (spec.is_object()) {
    if (spec.contains("description") && spec["description"].is_string()) text = spec["description"].get<std::string>();
    if (text.empty() && spec.contains("shell_command") && spec["shell_command"].is_string())
      text = spec["shell_command"].get<std::string>();
    if (text.empty() && spec.contains("argv") && spec["argv"].is_array())
      for (const json& arg : spec["argv"])
        if (arg.is_string()) text += (text.empty() ? "" : " ") + arg.get<std::string>();
    if (text.empty() && spec.contains("kind") && spec["kind"].is_string()) text = spec["kind"].get<std::string>();
  }
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';  // one job, one log line
  constexpr size_t kLongest = 120;
  if (text.size() > kLongest) text = head(text, kLongest) + "...";
  return text.empty() ? "(no description)" : text;
}

bool translate_job_spec(const json& spec, jobs::JobSpec& out, std::string& error) {
  out = jobs::JobSpec{};
  if (!spec.is_object()) {
    error = "the job spec is not an object";
    return false;
  }
  std::string kind;
  if (!read_text(spec, "kind", true, kind, error)) return false;
  bool ok = false;
  if (kind == "command") {
    std::string command;
    ok = read_text(spec, "shell_command", true, command, error);
    out.shell_command = command;
  } else if (kind == "argv") {
    ok = read_argv(spec, out.argv, error);
  } else if (kind == "script") {
    std::string body;
    ok = read_text(spec, "script_body", true, body, error) && read_interpreter(spec, out.interpreter, error);
    out.script_body = body;
  } else {
    error = fmt::format("unknown job kind \"{}\" (command, argv or script)", kind);
    return false;
  }
  if (!ok) return false;

  int64_t timeout_ms = out.timeout.count(), kill_grace_ms = out.kill_grace.count();
  if (!read_env(spec, out.env, error) || !read_count(spec, "timeout_ms", true, timeout_ms, error) ||
      !read_count(spec, "kill_grace_ms", false, kill_grace_ms, error) ||
      !read_count(spec, "output_cap", false, out.output_cap, error) ||
      !read_text(spec, "working_dir", false, out.working_dir, error))
    return false;
  out.timeout = std::chrono::milliseconds(timeout_ms);
  out.kill_grace = std::chrono::milliseconds(kill_grace_ms);
  if (!absent(spec, "elevated")) {
    if (!spec["elevated"].is_boolean()) {
      error = fmt::format("`elevated` must be a boolean, got {}", spec["elevated"].type_name());
      return false;
    }
    out.elevated = spec["elevated"].get<bool>();
  }
  return true;
}

std::string completion_body(const jobs::JobReport& report, size_t max_bytes) {
  json body = {{"status", std::string(jobs::outcome_name(report.outcome))},
               {"exit_code", report.exit_code},
               {"stdout", report.stdout_text},
               {"stderr", report.stderr_text},
               {"stdout_truncated", report.stdout_truncated},
               {"stderr_truncated", report.stderr_truncated},
               {"duration_ms", static_cast<int64_t>(report.duration.count())}};
  if (!report.error.empty()) body["error"] = report.error;
  std::string text = dump_lenient(body);
  // Escaping can make a byte of output up to six bytes of JSON, so shrink until it fits.
  size_t keep = std::max(report.stdout_text.size(), report.stderr_text.size());
  while (text.size() > max_bytes && keep > 0) {
    keep /= 2;
    if (report.stdout_text.size() > keep) {
      body["stdout"] = head(report.stdout_text, keep);
      body["stdout_truncated"] = true;
    }
    if (report.stderr_text.size() > keep) {
      body["stderr"] = head(report.stderr_text, keep);
      body["stderr_truncated"] = true;
    }
    text = dump_lenient(body);
  }
  return text;
}

std::string failure_body(std::string_view status, std::string_view error) {
  const json body = {{"status", std::string(status)}, {"exit_code", -1}, {"stdout", ""}, {"stderr", ""},
                     {"stdout_truncated", false}, {"stderr_truncated", false}, {"duration_ms", 0},
                     {"error", std::string(error)}};
  return dump_lenient(body);
}

std::string output_body(jobs::OutputStream stream, std::string_view data) {
  const json body = {{"stream", stream == jobs::OutputStream::Stdout ? "stdout" : "stderr"}, {"data", std::string(data)}};
  return dump_lenient(body);
}

}  // namespace wf::agent

// Reading an ad-hoc job request (see job_request.h).
#include "runtime/service/job_request.h"

#include "runtime/service/request_fields.h"
#include "runtime/store/statuses.h"

namespace wf::service {

std::optional<JobRequest> read_job_request(const nlohmann::json& body, std::string& error) {
  Fields f(body);
  auto command = f.string("command");
  auto argv = f.strings("argv");
  auto script = f.string("script");
  auto interpreter = f.string("interpreter");
  auto timeout = f.integer("timeout_ms");
  auto priority = f.string("priority");
  if (!f.error().empty()) {
    error = f.error();
    return std::nullopt;
  }
  const auto rank = store::parse<store::JobPriority>(priority.value_or("normal"));
  if (!rank) {
    error = "`priority` must be " + store::name_list<store::JobPriority>();
    return std::nullopt;
  }
  if ((command ? 1 : 0) + (argv ? 1 : 0) + (script ? 1 : 0) != 1) {
    error = "give exactly one of `command`, `argv` and `script`";
    return std::nullopt;
  }
  if (timeout && (*timeout < 1 || *timeout > 7 * 24 * 3600 * 1000LL)) {
    error = "`timeout_ms` must be from 1 ms to 7 days";
    return std::nullopt;
  }
  const std::string lang = interpreter.value_or("bash");
  if (lang != "bash" && lang != "python" && lang != "powershell") {
    error = "`interpreter` must be bash, python or powershell";
    return std::nullopt;
  }
  JobRequest out;
  out.timeout_ms = timeout.value_or(300000);
  out.priority = static_cast<int64_t>(*rank);
  out.spec = {{"interpreter", lang}, {"env", nlohmann::json::object()}, {"timeout_ms", out.timeout_ms},
              {"kill_grace_ms", 2000}, {"output_cap", 1 << 20}, {"working_dir", ""}, {"elevated", false}};
  if (command) out.spec["kind"] = "command", out.spec["shell_command"] = *command, out.description = *command;
  if (argv) out.spec["kind"] = "argv", out.spec["argv"] = *argv, out.description = nlohmann::json(*argv).dump();
  if (script) out.spec["kind"] = "script", out.spec["script_body"] = *script, out.description = "ad-hoc script";
  return out;
}

}  // namespace wf::service

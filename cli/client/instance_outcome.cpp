// An instance detail's outcome (see instance_outcome.h).
#include "cli/client/instance_outcome.h"

#include <fmt/format.h>

#include "cli/exit_codes.h"
#include "runtime/store/statuses.h"
#include "stdlib/error_kinds.h"

namespace wf::cli {

// The statuses are the service's own table (runtime/store/statuses.h, header-only).
bool is_terminal_status(std::string_view status) {
  const auto s = store::parse<store::InstanceStatus>(status);
  return s && store::is_terminal(*s);
}

const std::vector<std::string>& instance_statuses() {
  static const std::vector<std::string> statuses(store::kInstanceStatusNames.begin(), store::kInstanceStatusNames.end());
  return statuses;
}

const std::vector<std::string>& approval_statuses() {
  static const std::vector<std::string> statuses = [] {
    std::vector<std::string> out(store::kApprovalStatusNames.begin(), store::kApprovalStatusNames.end());
    out.push_back("all");
    return out;
  }();
  return statuses;
}

std::string error_kind(const Json& detail) {
  const Json* error = field(detail, "error");
  if (error == nullptr) return {};
  if (error->is_string()) return error->get<std::string>();  // a service that sends the kind alone
  return text_field(*error, "kind");
}

std::optional<int> exit_code_for_instance(const Json& detail) {
  const std::string status = text_field(detail, "status");
  if (status == "completed") return kExitOk;
  if (status == "cancelled" || status == "timeout") return kExitCancelled;
  if (status == "failed") {
    const std::string kind = error_kind(detail);
    return stdlib::ends_as_stopped(kind) ? kExitCancelled : kExitFailed;
  }
  return std::nullopt;
}

std::string outcome_line(const Json& detail) {
  const std::string status = text_field(detail, "status");
  std::string message = text_field(detail, "error_message");
  if (message.empty()) {
    if (const Json* error = field(detail, "error")) message = text_field(*error, "message");
  }
  if (status == "failed") {
    const std::string kind = error_kind(detail);
    std::string line = "workflow failed";
    if (!kind.empty()) line += ": " + kind;
    if (!message.empty()) line += ": " + message;
    return line;
  }
  const std::string what = status == "timeout" ? "workflow timed out" : "workflow " + status;
  return message.empty() ? what : what + ": " + message;
}

}  // namespace wf::cli

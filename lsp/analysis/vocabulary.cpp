// The keyword, annotation and type-name lists of vocabulary.h.
#include "analysis/vocabulary.h"

#include <array>

#include "stdlib/quorums.h"

namespace wf::analysis {

namespace {

// From grammar/WfLexer.g4, at configure time (lsp/CMakeLists.txt).
constexpr std::string_view kKeywords[] = {
#include "keywords.inc"
};

constexpr std::array<AnnotationWord, 6> kAnnotations = {{
    {"timeout", "@timeout(2h)", "Limits the whole instance; it ends with status `timeout` when the limit passes."},
    {"trigger", "@trigger(manual)",
     "Says what starts the workflow (informational): `manual`, `alert_rule`, `monitor_action`, `service_request`, "
     "`runbook`, `schedule`, `automation_decision` or `webhook`."},
    {"canary", "@canary(percent: 10%, threshold: 80%)",
     "The canary policy of `run ... canary`: run on `percent` of the hosts first and go on when `threshold` of them "
     "succeed (80% by default)."},
    {"schedule", "@schedule(\"0 3 * * *\")", "Runs the workflow on a cron schedule once the definition is published."},
    {"description", "@description(\"Restarts the web tier\")", "A one-line description shown by the service."},
    {"template", "@template", "Marks the workflow as a template."},
}};

constexpr std::array<std::string_view, 19> kTypeNames = {
    "int", "float", "bool", "string", "duration", "time", "json", "credential", "secret", "Approver", "Channel",
    "host", "hosts", "list", "map", "Results", "JobResult", "Approval", "Error",
};

}  // namespace

std::span<const std::string_view> keywords() { return kKeywords; }
std::span<const AnnotationWord> annotations() { return kAnnotations; }
std::span<const std::string_view> builtin_type_names() { return kTypeNames; }

const std::vector<std::string>& approval_quorums() {
  static const std::vector<std::string> quorums(stdlib::kApprovalQuorums.begin(), stdlib::kApprovalQuorums.end());
  return quorums;
}

}  // namespace wf::analysis

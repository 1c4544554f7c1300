// Decoding a workflow's annotations (see workflow_policy.h).
#include "effects/workflow_policy.h"

#include <nlohmann/json.hpp>

namespace wf::effects {

namespace {

// The number `key` of object `j`, or `otherwise` when it is absent or not a number.
double number(const nlohmann::json& j, const char* key, double otherwise) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : otherwise;
}

}  // namespace

WorkflowPolicy workflow_policy(const bytecode::Workflow& w) {
  WorkflowPolicy p;
  for (const bytecode::Annotation& a : w.annotations) {
    const nlohmann::json j = nlohmann::json::parse(a.args, nullptr, false);
    if (j.is_discarded()) continue;
    if (a.name == "timeout") {
      if (j.is_number_integer()) p.timeout_ms = j.get<int64_t>();  // a duration, in ms
    } else if (a.name == "canary") {
      if (j.is_object()) p.canary = CanaryPolicy{number(j, "percent", 0), number(j, "threshold", 80)};
    } else if (a.name == "trigger") {
      if (j.is_string()) p.trigger = j.get<std::string>();
    } else if (a.name == "schedule") {
      if (j.is_string()) p.schedule = SchedulePolicy{j.get<std::string>(), ""};
      else if (j.is_object() && j.contains("cron") && j["cron"].is_string())
        p.schedule = SchedulePolicy{j["cron"].get<std::string>(), j.value("tz", std::string())};
    } else if (a.name == "description") {
      if (j.is_string()) p.description = j.get<std::string>();
    } else if (a.name == "template") {
      p.is_template = true;
    }
  }
  return p;
}

}  // namespace wf::effects

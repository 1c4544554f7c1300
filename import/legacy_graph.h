// The legacy step-graph model (SPEC §9): the JSON of earlier workflow tools read into steps with
// their routing, checked so that every problem is reported naming the step it is in.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace wf::legacy {

// Where a step goes next: to another step, to a successful end, or to a failure.
struct Target {
  enum class Kind { End, Fail, Step };
  Kind kind = Kind::End;
  std::string step;  // for Kind::Step
};

enum class StepType { Script, Command, Approval, Conditional, Delay, PamCheckout, PamCheckin, Parallel, Notification };

struct Step {
  std::string id;
  StepType type = StepType::Command;
  std::string name;
  nlohmann::json raw;     // the step object as written
  nlohmann::json config;  // `config`, or an empty object
  Target on_success;
  // The failure route; absent (or "fail") means the step's error fails the workflow.
  std::optional<Target> on_failure;
  Target on_true, on_false;  // conditionals
  int retry_count = 0;
  int retry_delay_seconds = 30;
  std::string run_as;
  std::vector<std::vector<Step>> branches;  // parallel: each branch's steps, run in order
};

struct Variable {
  std::string name;
  nlohmann::json default_value;  // null: required
};

struct Graph {
  std::string name;
  std::string description;
  std::vector<Variable> variables;
  std::optional<int64_t> default_timeout_seconds;
  std::optional<double> canary_percentage;
  std::optional<double> canary_success_threshold;
  std::string trigger_type;
  std::vector<Step> steps;  // the top-level graph; the first is where it starts
};

// Reads the graph; false with `error` naming the step (`step "deploy": ...`) when the JSON is
// not a legacy graph: invalid JSON, an unknown step type, a missing or duplicate id, a target
// naming no step, a field of the wrong type.
bool parse_graph(const std::string& text, Graph& out, std::string& error);

// The type's word as the legacy JSON writes it ("pam_checkout").
const char* type_word(StepType type);

}  // namespace wf::legacy

// What a hook's delivery becomes (docs/operations.md "Hooks"): the parameters a body gives a
// workflow (its top-level fields of the parameters' names, or a mapping parameter → JSON Pointer),
// the firing alerts of an Alertmanager payload and the parameters each gives, and the instance an
// event is for. Pure functions over parsed JSON: no JSON, however shaped, makes them throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bytecode/module.h"

namespace wf::service {

// Whether `text` is a JSON Pointer (RFC 6901): "" or "/a/b~1c".
bool valid_pointer(std::string_view text);
// The value at `pointer` in `doc`; null when the pointer is invalid or names nothing.
const nlohmann::json* at_pointer(const nlohmann::json& doc, const std::string& pointer);

// The `params` of a run for workflow `w` from `body`: with a non-empty `map` (parameter → JSON
// Pointer), the value at each pointer (a pointer naming nothing leaves its parameter to its
// default); without, the body's top-level fields named as a parameter (others are ignored).
nlohmann::json mapped_params(const bytecode::Workflow& w, const nlohmann::json& body, const nlohmann::json& map);

// The firing alerts of an Alertmanager webhook payload (`alerts[]`, each with `status`), in order;
// nullopt with `error` set when the body is not such a payload.
std::optional<std::vector<nlohmann::json>> firing_alerts(const nlohmann::json& body, std::string& error);
// An alert's fingerprint: its `fingerprint`, or, when the sender gives none, its labels as JSON.
std::string alert_fingerprint(const nlohmann::json& alert);
// The `params` one alert gives workflow `w`: with a `map`, the pointers into the alert; without, a
// parameter named `alert` gets the whole alert, and any other the label, else the annotation, of
// its name.
nlohmann::json alert_params(const bytecode::Workflow& w, const nlohmann::json& alert, const nlohmann::json& map);

// The instance id at `pointer` in `body`: a positive integer, or a string of one.
std::optional<int64_t> instance_at(const nlohmann::json& body, const std::string& pointer);

}  // namespace wf::service

// How a start request's parameters and targets bind to a workflow's parameters: the one binding
// of POST /definitions/{id}/run, which the hooks' deliveries reuse so a delivery's fields are
// typed exactly as a run's.
#pragma once

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/service/api_support.h"
#include "vm/program.h"

namespace wf::service {

// Binds `body`'s `params` (an object: parameter → value, a string or any JSON), `hosts` and
// `groups` to workflow `index` of `program` into `args` (in parameter order), with the `params`
// and `targets` an instance records; answers 400 naming what does not bind (503 when the store
// could not be read) and returns false. Host names and `@group`s resolve against the registered
// hosts and groups of `who`'s organization.
bool bind_run(Context& c, const Principal& who, http::Exchange& x, const std::shared_ptr<const vm::Program>& program,
              uint32_t index, const nlohmann::json& body, std::vector<vm::Value>& args, nlohmann::json& params,
              nlohmann::json& targets);

}  // namespace wf::service

// Binding a start's params and targets to a workflow's parameters (SPEC §4.4 run): what
// POST /definitions/{id}/run does with its body, and what a schedule's tick does with the params
// and targets it keeps, so both accept and refuse the same things.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/service/api_support.h"

namespace wf::service {

// Why a start could not be bound: 400 (bad params, an unknown host or group) or 503 (the store
// could not be read).
struct BindFailure {
  int status = 400;
  std::string code, message;
};

// Binds `body`'s `params` (an object), `hosts` (a list of host names, or an object of such lists
// keyed by `hosts` parameter) and `groups` to workflow `index` of `program` for organization
// `org`: `args` in parameter order, `params` and `targets` as the instance keeps them. Host names
// and groups resolve against the organization's registered hosts and groups.
std::optional<BindFailure> bind_start(Context& c, int64_t org, const std::shared_ptr<const vm::Program>& program,
                                      uint32_t index, const nlohmann::json& body, std::vector<vm::Value>& args,
                                      nlohmann::json& params, nlohmann::json& targets);

// bind_start for a request of `who`'s organization that answers the failure itself (400 naming
// what does not bind, 503 when the store could not be read) and returns false: what POST
// /definitions/{id}/run and a hook's delivery do.
bool bind_run(Context& c, const Principal& who, http::Exchange& x, const std::shared_ptr<const vm::Program>& program,
              uint32_t index, const nlohmann::json& body, std::vector<vm::Value>& args, nlohmann::json& params,
              nlohmann::json& targets);

}  // namespace wf::service

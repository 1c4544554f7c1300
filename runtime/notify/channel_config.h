// What a notification channel's configuration must hold (SPEC §4.9, docs/operations.md
// "Notification channels"): checked where a channel is configured, by the service's API and by
// `wf run --notify`'s channels file, so that both accept the same configurations.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "runtime/store/statuses.h"

namespace wf::notify {

// What is wrong with `config` (a JSON object) as the configuration of a channel of `kind`, in a
// sentence naming the key (`config.url`, ...); "" when nothing is.
std::string config_problem(store::ChannelKind kind, const nlohmann::json& config);

}  // namespace wf::notify

// The channels file of `wf run --notify FILE` and `wf repl --notify FILE` (docs/operations.md,
// "Trying notifications from `wf run` and the REPL"): the configurations of the channels a local
// run's `notify` sends through, the same configurations the service keeps per organization
// (runtime/notify/channel_config.h checks both).
//
//   {"organization": "acme",                                   (optional; "local" without it)
//    "webhook":   {"ops": {"url": "...", "secret": "whsec_...", "headers": {"X-Team": "ops"}}},
//    "slack":     {"url": "https://hooks.slack.com/services/..."},
//    "smtp":      {"host": "smtp.example.org", "port": 587, "tls": "starttls", "from": "wf@example.org"},
//    "pagerduty": {"oncall": {"routing_key": "R0123..."}}}
//
// Webhooks and PagerDuty services are configured by name; Slack and SMTP once (the service's
// `default` of each), since `slack("#c")` and `email(a)` name no configuration of their own.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "runtime/store/statuses.h"

namespace wf::local {

struct ChannelsFile {
  std::string organization = "local";
  // (kind, name) → the channel's configuration object; Slack and SMTP under the name "default".
  std::map<std::pair<store::ChannelKind, std::string>, nlohmann::json> channels;

  const nlohmann::json* find(store::ChannelKind kind, const std::string& name) const;
};

// Reads and checks a channels file; nullopt with `error` ("FILE: what is wrong") when it cannot be
// read, is not JSON, or does not have the shape above (an unknown kind, a configuration its kind
// does not accept).
std::optional<ChannelsFile> load_channels_file(const std::string& path, std::string& error);
// The same from the file's text; `where` names its origin in `error`.
std::optional<ChannelsFile> parse_channels_file(std::string_view text, const std::string& where, std::string& error);

}  // namespace wf::local

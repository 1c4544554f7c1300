// The JSON text of an event row: what the store keeps and the event stream sends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace wf::engine {

// {"at", "data", "id", "instance_id", "type"}: the text nlohmann gives for the whole object (its
// members ordered by name, invalid UTF-8 replaced), without building that object. `id` is absent
// from an announcement, which is not stored; `instance_id` from an organization's event.
std::string event_json(std::optional<int64_t> id, const std::string& type, int64_t at, std::optional<int64_t> instance,
                       const nlohmann::json& data);

}  // namespace wf::engine

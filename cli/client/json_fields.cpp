// Tolerant JSON field access (see json_fields.h).
#include "cli/client/json_fields.h"

#include <limits>

namespace wf::cli {

const Json* field(const Json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(name));
  return it == object.end() ? nullptr : &*it;
}

std::string text_field(const Json& object, std::string_view name) {
  const Json* value = field(object, name);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

std::optional<int64_t> int_field(const Json& object, std::string_view name) {
  const Json* value = field(object, name);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_unsigned()) {
    const uint64_t n = value->get<uint64_t>();
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(n);
  }
  if (value->is_number_integer()) return value->get<int64_t>();
  return std::nullopt;
}

std::string compact(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string pretty(const Json& value) { return value.dump(2, ' ', false, Json::error_handler_t::replace); }

}  // namespace wf::cli

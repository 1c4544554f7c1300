// The JSON text of an event row (see event_json.h). Every transition records several events;
// building the whole object around their data cost more than the data itself, so only `data`
// goes through a JSON value and the envelope is written directly.
#include "runtime/engine/event_json.h"

#include <fmt/format.h>

#include <iterator>

#include "vm/render.h"

namespace wf::engine {

std::string event_json(std::optional<int64_t> id, const std::string& type, int64_t at, std::optional<int64_t> instance,
                       const nlohmann::json& data) {
  constexpr auto replace = nlohmann::json::error_handler_t::replace;
  std::string text = fmt::format(R"({{"at":"{}","data":{})", vm::format_instant(at), data.dump(-1, ' ', false, replace));
  auto out = std::back_inserter(text);
  if (id) fmt::format_to(out, R"(,"id":{})", *id);
  if (instance) fmt::format_to(out, R"(,"instance_id":{})", *instance);
  fmt::format_to(out, R"(,"type":{}}})", nlohmann::json(type).dump(-1, ' ', false, replace));
  return text;
}

}  // namespace wf::engine

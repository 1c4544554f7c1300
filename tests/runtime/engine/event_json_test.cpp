// An event's text, written without building its whole object, is byte for byte what dumping the
// whole object gives.
#include "runtime/engine/event_json.h"

#include <gtest/gtest.h>

#include "vm/render.h"

namespace wf::engine {
namespace {

std::string whole_object(std::optional<int64_t> id, const std::string& type, int64_t at, std::optional<int64_t> instance,
                         const nlohmann::json& data) {
  nlohmann::json whole = {{"type", type}, {"at", vm::format_instant(at)}, {"data", data}};
  if (id) whole["id"] = *id;
  if (instance) whole["instance_id"] = *instance;
  return whole.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(EventJson, IsTheTextOfTheWholeObject) {
  const std::vector<nlohmann::json> datas = {
      nlohmann::json::object(),
      {{"index", 3}, {"kind", "step"}, {"name", "Drain \"web\" — ünïcode"}, {"duration_ms", 12}},
      {{"message", std::string("bad utf-8: \xff\xfe end")}, {"list", {1, 2.5, nullptr, true}}},
      {{"to", {"webhook(\"ops\")", "slack(\"#ops\")"}}, {"nested", {{"z", 1}, {"a", {{"b", "\n\t\\"}}}}}},
      nullptr,
  };
  const std::vector<std::string> types = {"step.started", "notification.dead_lettered", "odd \"type\"\n"};
  int checked = 0;
  for (const auto& data : datas)
    for (const auto& type : types)
      for (std::optional<int64_t> id : {std::optional<int64_t>(), std::optional<int64_t>(987654321012)})
        for (std::optional<int64_t> instance : {std::optional<int64_t>(), std::optional<int64_t>(42)}) {
          const int64_t at = 1796601600123 + checked;
          EXPECT_EQ(event_json(id, type, at, instance, data), whole_object(id, type, at, instance, data)) << data.dump();
          ++checked;
        }
  EXPECT_EQ(checked, 60);
}

}  // namespace
}  // namespace wf::engine

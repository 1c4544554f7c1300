// A delivery's body turned into parameters, alerts and instance ids: JSON Pointers of every shape
// (never a throw), the default binding by name, the mapping, Alertmanager's payload.
#include "runtime/service/hook_targets.h"

#include <gtest/gtest.h>

namespace wf::service {
namespace {

using nlohmann::json;

bytecode::Workflow workflow(std::initializer_list<const char*> params) {
  bytecode::Workflow w;
  w.name = "w";
  for (const char* p : params) w.params.push_back({p, "string", -1});
  return w;
}

TEST(HookTargets, PointersFindValuesAndNeverThrow) {
  const json doc = {{"a", {{"b/c", 1}, {"d~e", 2}, {"list", {10, 20}}}}, {"", 3}};
  EXPECT_EQ(*at_pointer(doc, "/a/b~1c"), 1);
  EXPECT_EQ(*at_pointer(doc, "/a/d~0e"), 2);
  EXPECT_EQ(*at_pointer(doc, "/a/list/1"), 20);
  EXPECT_EQ(*at_pointer(doc, "/"), 3);
  EXPECT_EQ(*at_pointer(doc, ""), doc);
  for (const char* bad : {"a", "/a/list/2", "/a/list/01", "/a/list/-", "/a/list/x", "/a/b~2c", "/a/b~", "/nothing/deeper", "/a/b~1c/x"})
    EXPECT_EQ(at_pointer(doc, bad), nullptr) << bad;
  EXPECT_FALSE(valid_pointer("a/b"));
  EXPECT_FALSE(valid_pointer("/a~"));
  EXPECT_TRUE(valid_pointer("/a~1b/~0"));
}

TEST(HookTargets, TopLevelFieldsBindByNameOrThroughTheMapping) {
  const bytecode::Workflow w = workflow({"service", "replicas"});
  const json body = {{"service", "web"}, {"other", 1}, {"repo", {{"name", "billing"}}}};
  EXPECT_EQ(mapped_params(w, body, json::object()), json({{"service", "web"}}));
  EXPECT_EQ(mapped_params(w, body, json({{"service", "/repo/name"}, {"replicas", "/missing"}})), json({{"service", "billing"}}));
  EXPECT_EQ(mapped_params(w, json::array(), json::object()), json::object());
}

TEST(HookTargets, FiringAlertsAndTheirParams) {
  std::string error;
  EXPECT_FALSE(firing_alerts(json::object(), error));
  EXPECT_FALSE(firing_alerts(json({{"alerts", {1}}}), error));
  const json payload = {{"alerts",
                         {{{"status", "firing"}, {"labels", {{"host", "db1"}, {"severity", "page"}}}, {"annotations", {{"severity", "x"}, {"summary", "s"}}}},
                          {{"status", "resolved"}, {"fingerprint", "f2"}}}}};
  auto alerts = firing_alerts(payload, error);
  ASSERT_TRUE(alerts) << error;
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ(alert_fingerprint((*alerts)[0]).rfind("labels:", 0), 0u);
  EXPECT_EQ(alert_fingerprint(payload["alerts"][1]), "f2");
  const json params = alert_params(workflow({"alert", "host", "severity", "summary", "absent"}), (*alerts)[0], json::object());
  EXPECT_EQ(params["alert"], (*alerts)[0]);
  EXPECT_EQ(params["host"], "db1");
  EXPECT_EQ(params["severity"], "page");  // a label wins over an annotation of the same name
  EXPECT_EQ(params["summary"], "s");
  EXPECT_FALSE(params.contains("absent"));
}

TEST(HookTargets, InstanceIdsAreNumbersOrStringsOfOne) {
  EXPECT_EQ(instance_at(json({{"i", 12}}), "/i"), 12);
  EXPECT_EQ(instance_at(json({{"i", "12"}}), "/i"), 12);
  for (const json& bad : {json({{"i", 0}}), json({{"i", -3}}), json({{"i", "12a"}}), json({{"i", 1.5}}), json({{"i", ""}}),
                          json({{"i", json::array()}}), json({{"i", 18446744073709551615ull}}), json::object()})
    EXPECT_FALSE(instance_at(bad, "/i")) << bad.dump();
}

}  // namespace
}  // namespace wf::service

// POST /api/v1/definitions/import given a legacy step-graph (SPEC §9, recognized by `steps`)
// against a real `wf serve`: the graph becomes a draft definition of the imported source, a
// `new_name` renames it, and a graph that cannot be imported is 422 naming the step.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using json = nlohmann::json;

class LegacyImportApi : public ServiceTest {
 protected:
  LegacyImportApi() : ServiceTest("wf-legacy-import-api") {}
};

json legacy_graph() {
  return json::parse(R"({
    "name": "Scan and deploy",
    "description": "From the old tool",
    "variables": {"release": "2.4"},
    "steps": [
      {"id": "scan", "type": "command", "config": {"command": "scan --all"}, "on_success": "check", "on_failure": "check"},
      {"id": "check", "type": "conditional",
       "config": {"condition": "{{step_scan.exit_code}} == 0", "on_true": "deploy", "on_false": null}},
      {"id": "deploy", "type": "command", "config": {"command": "deploy {{variables.release}}"}}
    ]
  })");
}

TEST_F(LegacyImportApi, LegacyGraphBecomesADraft) {
  auto r = api_->post("/api/v1/definitions/import", legacy_graph().dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const json created = body_json(r);
  EXPECT_EQ(created.value("name", ""), "scan_and_deploy") << r.body;
  EXPECT_EQ(created.value("version", 0), 1) << r.body;

  const json d = body_json(api_->get("/api/v1/definitions/scan_and_deploy"));
  EXPECT_EQ(d.value("description", ""), "From the old tool") << d.dump();
  EXPECT_TRUE(d["published_version"].is_null()) << d.dump();  // a draft
  const std::string source = d.value("source", "");
  EXPECT_NE(source.find("step \"scan\""), std::string::npos) << source;
  EXPECT_NE(source.find("condition_holds = step_scan_exit_code == 0"), std::string::npos) << source;
  EXPECT_NE(source.find("release: string = \"2.4\""), std::string::npos) << source;
}

TEST_F(LegacyImportApi, NewNameRenamesTheImport) {
  json body = legacy_graph();
  body["new_name"] = "deploy_v2";
  auto r = api_->post("/api/v1/definitions/import", body.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_json(r).value("name", ""), "deploy_v2");
  EXPECT_EQ(api_->get("/api/v1/definitions/deploy_v2").status, 200);
}

TEST_F(LegacyImportApi, AGraphThatCannotBeImportedIs422NamingTheStep) {
  json body = legacy_graph();
  body["steps"][1]["type"] = "ssh_exec";
  auto r = api_->post("/api/v1/definitions/import", body.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  const json error = body_json(r)["error"];
  EXPECT_EQ(error.value("code", ""), "import_failed") << r.body;
  EXPECT_NE(error.value("message", "").find("step \"check\": unknown step type \"ssh_exec\""), std::string::npos) << r.body;

  body = legacy_graph();
  body["steps"][2]["config"]["command"] = "mysql -p{{db.password}}";
  r = api_->post("/api/v1/definitions/import", body.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_NE(body_json(r)["error"].value("message", "").find("step \"deploy\""), std::string::npos) << r.body;

  body = json{{"name", "x"}, {"steps", "not a list"}};
  r = api_->post("/api/v1/definitions/import", body.dump());
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(api_->get("/api/v1/definitions/x").status, 404);
}

}  // namespace
}  // namespace wf::testing

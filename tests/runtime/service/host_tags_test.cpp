// Host tags and groups (SPEC §1.6 `host`, docs/api.md "Jobs and agents"): a real `wf agent`
// reports tags (`--tag`), an operator sets, adds and removes tags (`PATCH /hosts/{name}`, and
// `wf host tag|untag`), a host's groups come from the group table; `GET /hosts` and `wf hosts`
// show them, and a workflow reading `h.tags` and `h.groups` of its `hosts` parameter sees them.
// The agent's tags are replaced by each report, the operator's kept across the agent's restarts.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

constexpr const char* kHostContext = R"(// What a workflow sees of its hosts' tags and groups.
@trigger(manual)
workflow host_context(targets: hosts) -> list<list<string>> {
  var out: list<list<string>> = []
  for h in targets {
    out = out + [h.tags, h.groups]
  }
  return out + [hostnames(by_tag(targets, "rack-7")), hostnames(by_group(targets, "web"))]
}
)";

class HostTags : public ServiceTest {
 protected:
  HostTags() : ServiceTest("wf-host-tags") {}
  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_TRUE(agent_.start(*service_, "web1", "", "", {"--tag", "rack-7", "--tag", "os:debian"}));
    ASSERT_TRUE(wait_until([&] { return host("web1").value("agent_tags", json()) == json({"rack-7", "os:debian"}); }))
        << body_json(api_->get("/api/v1/hosts")).dump() << service_->log();
  }
  void TearDown() override {
    agent_.stop();
    ServiceTest::TearDown();
  }

  json host(const std::string& name) {
    const json list = body_json(api_->get("/api/v1/hosts"));
    if (list.contains("items"))
      for (const json& h : list["items"])
        if (h.value("hostname", "") == name) return h;
    return json::object();
  }

  client::HttpResult patch(const std::string& name, const json& body) {
    return api_->request("PATCH", "/api/v1/hosts/" + name, body.dump());
  }

  // `wf ARGS` with the service's address and token; stdout and stderr together.
  std::pair<int, std::string> wf(const std::string& args) { return run_wf(*service_, service_->admin_token(), args); }

  Agent agent_;
};

TEST_F(HostTags, AnOperatorSetsAddsAndRemovesTagsBesideTheAgents) {
  json web1 = host("web1");
  EXPECT_EQ(web1["tags"], json({"rack-7", "os:debian"}));
  EXPECT_EQ(web1["operator_tags"], json::array());
  EXPECT_EQ(web1["groups"], json::array());

  auto set = patch("web1", {{"tags", {"prod", "rack-7"}}});
  ASSERT_EQ(set.status, 200) << set.body;
  // Union: the operator's first, then the agent's not already there.
  EXPECT_EQ(body_json(set)["tags"], json({"prod", "rack-7", "os:debian"})) << set.body;
  EXPECT_EQ(body_json(set)["operator_tags"], json({"prod", "rack-7"}));
  auto add = patch("web1", {{"add_tags", {"db", "prod"}}});
  ASSERT_EQ(add.status, 200) << add.body;
  EXPECT_EQ(body_json(add)["operator_tags"], json({"prod", "rack-7", "db"}));
  auto remove = patch("web1", {{"remove_tags", {"prod", "nothing"}}});
  ASSERT_EQ(remove.status, 200) << remove.body;
  EXPECT_EQ(body_json(remove)["operator_tags"], json({"rack-7", "db"}));
  EXPECT_EQ(host("web1")["tags"], json({"rack-7", "db", "os:debian"}));

  EXPECT_EQ(patch("nosuch", {{"tags", {"a"}}}).status, 404);
  EXPECT_EQ(body_json(patch("nosuch", {{"tags", {"a"}}}))["error"].value("code", ""), "not_found");
  for (const json& bad : {json{{"tags", "prod"}}, json{{"tags", {"bad tag"}}}, json{{"tags", {""}}}, json{{"tags", {5}}},
                          json{{"add_tags", {"-lead"}}}, json::object(), json{{"tags", {"a"}}, {"add_tags", {"b"}}},
                          json{{"tags", {std::string(64, 'x')}}}}) {
    auto r = patch("web1", bad);
    EXPECT_EQ(r.status, 400) << bad.dump() << " " << r.body;
    EXPECT_EQ(body_json(r)["error"].value("code", ""), "bad_request") << r.body;
  }
  EXPECT_EQ(host("web1")["operator_tags"], json({"rack-7", "db"})) << "a refused change changed something";

  // The agent's restart replaces its own tags and keeps the operator's.
  agent_.stop();
  ASSERT_TRUE(agent_.start(*service_, "web1", "", "", {"--tag", "rack-8"}));
  ASSERT_TRUE(wait_until([&] { return host("web1").value("agent_tags", json()) == json({"rack-8"}); })) << host("web1").dump();
  EXPECT_EQ(host("web1")["operator_tags"], json({"rack-7", "db"}));
  EXPECT_EQ(host("web1")["tags"], json({"rack-7", "db", "rack-8"}));
}

TEST_F(HostTags, AWorkflowSeesItsHostsTagsAndGroups) {
  ASSERT_EQ(api_->post("/api/v1/groups", json({{"name", "web"}, {"hosts", {"web1", "web2"}}}).dump()).status, 201);
  ASSERT_EQ(api_->post("/api/v1/groups", json({{"name", "all"}, {"hosts", {"web1"}}}).dump()).status, 201);
  ASSERT_EQ(api_->post("/api/v1/groups", json({{"name", "db"}, {"hosts", {"db1"}}}).dump()).status, 201);
  ASSERT_EQ(patch("web1", {{"tags", {"prod"}}}).status, 200);
  EXPECT_EQ(host("web1")["groups"], json({"all", "web"}));

  ASSERT_EQ(push(*api_, "host_context.wf", kHostContext), "host_context");
  const int64_t id = start(*api_, "host_context", {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  const json done = wait_ended(*api_, id);
  ASSERT_EQ(done.value("status", ""), "completed") << done.dump();
  EXPECT_EQ(done["result"], json({{"prod", "rack-7", "os:debian"}, {"all", "web"}, {"web1"}, {"web1"}})) << done.dump();

  // Named through a group, the host is the same record.
  const int64_t by_group = start(*api_, "host_context", {{"groups", {"all"}}});
  ASSERT_GT(by_group, 0);
  EXPECT_EQ(wait_ended(*api_, by_group)["result"], done["result"]);
}

TEST_F(HostTags, TheHostCommands) {
  ASSERT_EQ(api_->post("/api/v1/groups", json({{"name", "web"}, {"hosts", {"web1"}}}).dump()).status, 201);
  auto [code, out] = wf("host tag web1 blue green");
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "web1: blue, green, rack-7, os:debian\n");
  std::tie(code, out) = wf("host untag web1 blue");
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "web1: green, rack-7, os:debian\n");
  std::tie(code, out) = wf("host tag web1 --replace only");
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(host("web1")["operator_tags"], json({"only"}));

  std::tie(code, out) = wf("hosts");
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.rfind("NAME  IP", 0), 0u) << out;
  const size_t row = out.find("\nweb1 ");
  ASSERT_NE(row, std::string::npos) << out;
  const std::string line = out.substr(row + 1, out.find('\n', row + 1) - row - 1);
  EXPECT_NE(line.find(" only,rack-7,os:debian"), std::string::npos) << line;
  EXPECT_NE(line.find(" web"), std::string::npos) << line;
  EXPECT_NE(line.find(" online "), std::string::npos) << line;
  std::tie(code, out) = wf("hosts --format json");
  EXPECT_EQ(code, 0) << out;
  const json items = json::parse(out, nullptr, false);
  ASSERT_TRUE(items.is_array()) << out;
  EXPECT_EQ(items[0]["tags"], json({"only", "rack-7", "os:debian"}));

  std::tie(code, out) = wf("host tag nosuch a");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("no registered host `nosuch`"), std::string::npos) << out;
  std::tie(code, out) = wf("host tag web1 'bad tag'");
  EXPECT_EQ(code, 2);
  std::tie(code, out) = wf("agent --server http://127.0.0.1:1 --enroll x --tag 'bad tag'");
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("--tag"), std::string::npos) << out;
}

}  // namespace
}  // namespace wf::testing

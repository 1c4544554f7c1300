// The script library against a real `wf serve` and real `wf agent`s for hosts web1 and web2: the
// scripts and libraries of published definitions are listed with their parameters, defaults and
// docs (a draft's are not, another organization's are not); executing a script runs one job per
// host with its library prepended and its parameters in WF_PARAM_* variables, recorded as that
// script's executions; bad parameters, unknown scripts and hosts, and a name two definitions
// declare are refused. Every wait is bounded.
#include <gtest/gtest.h>

#include <string>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

constexpr const char* kSource = R"(
/// Shared helpers.
library common_sh {
  lang = bash
  body = r"""say() { echo "said: $*"; }"""
}

/// Reports the disk use against a threshold.
/// Second line.
script disk_report(threshold: int = 90, label: string, verbose: bool = false) {
  lang = bash
  timeout = 45s
  uses = [common_sh]
  body = r"""
say "$WF_PARAM_LABEL on $WF_HOST threshold=$WF_PARAM_THRESHOLD verbose=$WF_PARAM_VERBOSE"
[ "$WF_HOST" = web1 ] || exit 3
"""
}

workflow disk_audit(targets: hosts) {
  let r = run script disk_report(label: "audit") on targets
}
)";

// A second definition declaring a script of the same name.
constexpr const char* kOtherSource = R"(
script disk_report(label: string) {
  lang = bash
  body = r"""
echo "other $WF_PARAM_LABEL"
"""
}

workflow other_audit(targets: hosts) {
  let r = run script disk_report(label: "x") on targets
}
)";

class Scripts : public ServiceTest {
 protected:
  Scripts() : ServiceTest("wf-scripts") {}
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    // A second organization, made by the first's administrator.
    auto made = api_->post("/api/v1/orgs", R"({"name": "other"})");
    ASSERT_EQ(made.status, 201) << made.body;
    other_token_ = body_json(made).value("token", "");
    other_ = std::make_unique<client::HttpClient>(service_->url(), other_token_);
    agent("web1");
    agent("web2");
  }

  // Pushes `source` and publishes its first definition; returns that definition's id (0 on failure).
  int64_t push_and_publish(const std::string& file, const std::string& source) {
    auto r = api_->post("/api/v1/definitions", json({{"source", source}, {"file", file}}).dump());
    EXPECT_EQ(r.status, 201) << r.body;
    const json d = body_json(r)["definitions"][0];
    const int64_t id = d.value("id", int64_t{0});
    auto published = api_->post("/api/v1/definitions/" + std::to_string(id) + "/publish", "{}");
    EXPECT_EQ(published.status, 200) << published.body;
    return id;
  }

  json list(client::HttpClient& c, const std::string& query = "") {
    auto r = c.get("/api/v1/scripts" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_json(r).value("items", json::array());
  }

  client::HttpResult execute(const json& body, const std::string& script = "disk_report") {
    return api_->post("/api/v1/scripts/" + script + "/execute", body.dump());
  }

  json wait_job_ended(int64_t id) { return testing::wait_job_ended(*api_, id); }

  static std::string message(const client::HttpResult& r) { return body_json(r)["error"].value("message", ""); }

  std::string other_token_;
  std::unique_ptr<client::HttpClient> other_;
};

const json* find_item(const json& items, const std::string& name) {
  for (const json& i : items)
    if (i.value("name", "") == name) return &i;
  return nullptr;
}

TEST_F(Scripts, PublishedScriptsAndLibrariesAreListedWithTheirParametersDefaultsAndDocs) {
  // A draft declares nothing yet.
  auto pushed = api_->post("/api/v1/definitions", json({{"source", kSource}, {"file", "disk.wf"}}).dump());
  ASSERT_EQ(pushed.status, 201) << pushed.body;
  const int64_t id = body_json(pushed)["definitions"][0].value("id", int64_t{0});
  EXPECT_EQ(list(*api_), json::array());
  ASSERT_EQ(api_->post("/api/v1/definitions/" + std::to_string(id) + "/publish", "{}").status, 200);

  const json items = list(*api_);
  ASSERT_EQ(items.size(), 2u) << items.dump(2);
  const json* script = find_item(items, "disk_report");
  ASSERT_NE(script, nullptr) << items.dump(2);
  EXPECT_EQ((*script)["kind"], "script");
  EXPECT_EQ((*script)["language"], "bash");
  EXPECT_EQ((*script)["timeout_ms"], 45000);
  EXPECT_EQ((*script)["elevated"], false);
  EXPECT_EQ((*script)["uses"], json::array({"common_sh"}));
  EXPECT_EQ((*script)["docs"], "Reports the disk use against a threshold.\nSecond line.");
  EXPECT_EQ((*script)["definition"], json({{"id", id}, {"name", "disk_audit"}, {"version", 1}}));
  const json& params = (*script)["parameters"];
  ASSERT_EQ(params.size(), 3u) << params.dump();
  EXPECT_EQ(params[0], json({{"name", "threshold"}, {"type", "int"}, {"required", false}, {"default", 90}}));
  EXPECT_EQ(params[1], json({{"name", "label"}, {"type", "string"}, {"required", true}}));
  EXPECT_EQ(params[2], json({{"name", "verbose"}, {"type", "bool"}, {"required", false}, {"default", false}}));

  const json* library = find_item(items, "common_sh");
  ASSERT_NE(library, nullptr) << items.dump(2);
  EXPECT_EQ((*library)["kind"], "library");
  EXPECT_EQ((*library)["docs"], "Shared helpers.");
  EXPECT_EQ((*library)["parameters"], json::array());
  EXPECT_EQ((*library)["definition"]["id"], id);

  // The definition filter, by id or name; one that does not exist is a 404.
  EXPECT_EQ(list(*api_, "?definition=" + std::to_string(id)).size(), 2u);
  EXPECT_EQ(list(*api_, "?definition=disk_audit").size(), 2u);
  EXPECT_EQ(api_->get("/api/v1/scripts?definition=nosuch").status, 404);

  // A deactivated definition's scripts leave the library.
  ASSERT_EQ(api_->request("PATCH", "/api/v1/definitions/" + std::to_string(id), R"({"active": false})").status, 200);
  EXPECT_EQ(list(*api_), json::array());
  ASSERT_EQ(api_->request("PATCH", "/api/v1/definitions/" + std::to_string(id), R"({"active": true})").status, 200);

  // Another organization sees none of them, runs none of them and sees no executions.
  EXPECT_EQ(list(*other_), json::array());
  auto theirs = other_->post("/api/v1/scripts/disk_report/execute", json({{"hosts", {"web1"}}, {"params", {{"label", "x"}}}}).dump());
  EXPECT_EQ(theirs.status, 404) << theirs.body;
  EXPECT_EQ(other_->get("/api/v1/scripts/disk_report/executions").status, 404);
}

TEST_F(Scripts, ExecuteRunsOneJobPerHostWithTheLibraryAndParametersAndListsThemAsExecutions) {
  const int64_t id = push_and_publish("disk.wf", kSource);
  ASSERT_GT(id, 0);
  auto r = execute({{"hosts", {"web1", "web2", "web1"}}, {"params", {{"label", "disk"}, {"verbose", true}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json created = body_json(r);
  EXPECT_EQ(created["script"], "disk_report");
  EXPECT_EQ(created["definition"], json({{"id", id}, {"name", "disk_audit"}, {"version", 1}}));
  ASSERT_EQ(created["jobs"].size(), 2u) << created.dump();  // each host once
  EXPECT_EQ(created["jobs"][0]["host"], "web1");
  EXPECT_EQ(created["jobs"][1]["host"], "web2");

  for (const json& created_job : created["jobs"]) {
    const std::string host = created_job["host"];
    const json job = wait_job_ended(created_job["id"].get<int64_t>());
    // The library's function ran (it was prepended), the parameters came through the environment
    // with the default filled in.
    EXPECT_EQ(job.value("stdout", ""), "said: disk on " + host + " threshold=90 verbose=true\n") << job.dump(2);
    EXPECT_EQ(job["exit_code"], host == "web1" ? 0 : 3) << job.dump(2);
    EXPECT_EQ(job["status"], host == "web1" ? "completed" : "failed") << job.dump(2);
    EXPECT_EQ(job["script"], json({{"name", "disk_report"}, {"definition_id", id}, {"version", 1}}));
  }

  // The executions, newest first, with what ran where and how it ended.
  auto listed = api_->get("/api/v1/scripts/disk_report/executions?count=true");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json page = body_json(listed);
  EXPECT_EQ(page["total"], 2);
  const json& items = page["items"];
  ASSERT_EQ(items.size(), 2u) << page.dump(2);
  EXPECT_EQ(items[0]["job_id"], created["jobs"][1]["id"]);
  EXPECT_EQ(items[0]["host"], "web2");
  EXPECT_EQ(items[0]["exit_code"], 3);
  EXPECT_EQ(items[1]["job_id"], created["jobs"][0]["id"]);
  EXPECT_EQ(items[1]["host"], "web1");
  EXPECT_EQ(items[1]["exit_code"], 0);
  for (const json& e : items) {
    EXPECT_TRUE(e["duration_ms"].is_number_integer()) << e.dump();
    for (const char* time : {"created_at", "started_at", "ended_at"}) EXPECT_TRUE(e[time].is_string()) << time << " " << e.dump();
    EXPECT_EQ(e["script"]["definition_id"], id);
  }
  // Paged by the keyset cursor.
  const json first = body_json(api_->get("/api/v1/scripts/disk_report/executions?limit=1"));
  ASSERT_EQ(first["items"].size(), 1u) << first.dump();
  ASSERT_TRUE(first.contains("next")) << first.dump();
  const json second = body_json(api_->get("/api/v1/scripts/disk_report/executions?limit=1&after=" + first["next"].get<std::string>()));
  ASSERT_EQ(second["items"].size(), 1u) << second.dump();
  EXPECT_EQ(second["items"][0]["host"], "web1");
  EXPECT_FALSE(second.contains("next")) << second.dump();
  // A declared script that never ran has an empty list; the other organization sees nothing.
  EXPECT_EQ(body_json(api_->get("/api/v1/scripts/common_sh/executions"))["items"], json::array());
  EXPECT_EQ(other_->get("/api/v1/scripts/disk_report/executions").status, 404);
}

TEST_F(Scripts, BadParametersUnknownScriptsAndHostsAndAnAmbiguousNameAreRefused) {
  const int64_t id = push_and_publish("disk.wf", kSource);
  ASSERT_GT(id, 0);
  // Parameters: of the wrong type, unknown, missing — each named.
  auto wrong = execute({{"hosts", {"web1"}}, {"params", {{"label", "x"}, {"threshold", "high"}}}});
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_NE(message(wrong).find("threshold"), std::string::npos) << wrong.body;
  auto unknown = execute({{"hosts", {"web1"}}, {"params", {{"label", "x"}, {"nope", 1}}}});
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_NE(message(unknown).find("nope"), std::string::npos) << unknown.body;
  auto missing = execute({{"hosts", {"web1"}}});
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_NE(message(missing).find("label"), std::string::npos) << missing.body;
  // Unknown script, a library, an unknown host.
  EXPECT_EQ(execute({{"hosts", {"web1"}}}, "no_such_script").status, 404);
  auto library = execute({{"hosts", {"web1"}}}, "common_sh");
  EXPECT_EQ(library.status, 404) << library.body;
  EXPECT_NE(message(library).find("library"), std::string::npos) << library.body;
  auto host = execute({{"hosts", {"web1", "nowhere"}}, {"params", {{"label", "x"}}}});
  EXPECT_EQ(host.status, 404) << host.body;
  EXPECT_NE(message(host).find("nowhere"), std::string::npos) << host.body;
  // Nothing of the refused requests was queued.
  EXPECT_EQ(body_json(api_->get("/api/v1/jobs"))["items"], json::array());

  // Two definitions declare disk_report: both are listed; running it needs the definition.
  const int64_t other = push_and_publish("other.wf", kOtherSource);
  ASSERT_GT(other, 0);
  int declared = 0;
  for (const json& i : list(*api_)) declared += i.value("name", "") == "disk_report";
  EXPECT_EQ(declared, 2);
  auto ambiguous = execute({{"hosts", {"web1"}}, {"params", {{"label", "x"}}}});
  EXPECT_EQ(ambiguous.status, 409) << ambiguous.body;
  auto chosen = execute({{"hosts", {"web1"}}, {"params", {{"label", "y"}}}, {"definition", other}});
  ASSERT_EQ(chosen.status, 201) << chosen.body;
  const json job = wait_job_ended(body_json(chosen)["jobs"][0]["id"].get<int64_t>());
  EXPECT_EQ(job.value("stdout", ""), "other y\n") << job.dump(2);
  auto by_name = execute({{"hosts", {"web2"}}, {"params", {{"label", "z"}}}, {"definition", "disk_audit"}});
  EXPECT_EQ(by_name.status, 201) << by_name.body;
  // The executions of one definition's script.
  const json mine = body_json(api_->get("/api/v1/scripts/disk_report/executions?definition=" + std::to_string(other)));
  ASSERT_EQ(mine["items"].size(), 1u) << mine.dump();
  EXPECT_EQ(mine["items"][0]["script"]["definition_id"], other);
  EXPECT_EQ(body_json(api_->get("/api/v1/scripts/disk_report/executions"))["items"].size(), 2u);
}

// A workflow's `run script` runs the same script: its jobs are executions of it too, each with the
// instance that ran it and the version of the workflow's definition.
TEST_F(Scripts, AWorkflowsRunScriptJobsAreExecutionsToo) {
  const int64_t id = push_and_publish("disk.wf", kSource);
  ASSERT_GT(id, 0);
  const int64_t instance = start(*api_, "disk_audit", {{"hosts", {"web1", "web2"}}});
  ASSERT_GT(instance, 0);
  wait_ended(*api_, instance);
  const json page = body_json(api_->get("/api/v1/scripts/disk_report/executions"));
  ASSERT_EQ(page["items"].size(), 2u) << page.dump(2);
  for (const json& e : page["items"]) {
    EXPECT_EQ(e["instance_id"], instance) << e.dump();
    EXPECT_EQ(e["script"], json({{"name", "disk_report"}, {"definition_id", id}, {"version", 1}})) << e.dump();
    EXPECT_EQ(e["exit_code"], e["host"] == "web1" ? 0 : 3) << e.dump();
  }
  EXPECT_EQ(body_json(api_->get("/api/v1/jobs/" + std::to_string(page["items"][0]["job_id"].get<int64_t>())))["stdout"],
            "said: audit on " + page["items"][0]["host"].get<std::string>() + " threshold=90 verbose=false\n");
}

}  // namespace
}  // namespace wf::testing

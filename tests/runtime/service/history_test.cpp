// History is append-only (SPEC §4.1): retrying a failed instance keeps every attempt's jobs, their
// output and their timeline rows; the retried step's new run shows beside its failed one, each
// with its attempt number.
#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

TEST(History, ARetryKeepsTheFailedAttemptsJobsOutputAndSteps) {
  const std::filesystem::path dir = make_temp_dir("wf-history");
  Service service(dir);
  ASSERT_TRUE(service.start()) << service.log();
  auto api = service.admin();
  Agent agent;
  ASSERT_TRUE(agent.start(service, "web1"));
  ASSERT_TRUE(wait_until([&] { return body_json(api->get("/api/v1/hosts")).value("total", 0) == 1; }));
  const std::filesystem::path flag = dir / "flag";
  ASSERT_EQ(push(*api, "deploy.wf", R"(
workflow deploy(targets: hosts, flag: string) -> string {
  step "Deploy" {
    run command "echo trying; test -f {{flag}}" on targets
  }
  return "deployed"
}
)"),
            "deploy");
  const int64_t id = start(*api, "deploy", {{"hosts", {"web1"}}, {"params", {{"flag", flag.string()}}}});
  ASSERT_EQ(wait_ended(*api, id)["status"], "failed");
  auto jobs = body_json(api->get("/api/v1/jobs?count=true&instance=" + std::to_string(id)));
  ASSERT_EQ(jobs["total"], 1);
  const int64_t failed_job = jobs["items"][0]["id"];

  std::ofstream(flag) << "ok\n";
  ASSERT_EQ(api->post("/api/v1/instances/" + std::to_string(id) + "/retry").status, 200);
  json end = wait_ended(*api, id);
  ASSERT_EQ(end["status"], "completed") << end.dump();

  // The failed attempt's job is still there, with its output and its outcome.
  auto old = api->get("/api/v1/jobs/" + std::to_string(failed_job));
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_EQ(body_json(old)["status"], "failed");
  EXPECT_EQ(body_json(old)["stdout"], "trying\n");
  EXPECT_EQ(body_json(api->get("/api/v1/jobs?count=true&instance=" + std::to_string(id)))["total"], 2);

  // The timeline holds both runs of "Deploy": the failed one (attempt 1) and the one that
  // completed (attempt 2), each pointing at its own job.
  std::vector<json> deploys, runs;
  for (const json& s : end["steps"]) {
    if (s["kind"] == "step" && s["name"] == "Deploy") deploys.push_back(s);
    if (s["kind"] == "run") runs.push_back(s);
  }
  ASSERT_EQ(deploys.size(), 2u) << end["steps"].dump();
  EXPECT_EQ(deploys[0]["status"], "failed");
  EXPECT_EQ(deploys[0]["attempt"], 1);
  EXPECT_EQ(deploys[1]["status"], "completed");
  EXPECT_EQ(deploys[1]["attempt"], 2);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["jobs"], json::array({failed_job}));
  EXPECT_EQ(runs[1]["jobs"].size(), 1u);
  EXPECT_NE(runs[1]["jobs"][0], failed_job);
  EXPECT_EQ(end["attempt"], 2);

  agent.stop();
  service.stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace

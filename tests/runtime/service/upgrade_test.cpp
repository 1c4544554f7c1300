// Upgrading waiting instances (SPEC §4.11) through a real `wf serve`: an instance paused at an
// approval inside step "Approve" moves to version 2, which adds a step before it and rewords the
// approval: the old request is cancelled, the new code asks again in its words, and once approved
// the instance completes with version 2's code. Refusals name their reason per instance; a dry run
// changes nothing; a kill -9 around the move finds the instance either at version 1 or moved, never
// between; the bulk route and the CLI move a definition's instances.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <thread>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

constexpr const char* kVersion1 = R"(
workflow release(env: string) -> string {
  var retries = 3
  step "Prepare" {
    retries = retries + 1
  }
  step "Approve" {
    approve "Ship it?"
  }
  return "v1 {{env}} {{retries}}"
}
)";

constexpr const char* kVersion2 = R"(
workflow release(env: string) -> string {
  var retries = 3
  step "Prepare" {
    retries = retries + 1
  }
  step "Check" {
    log "checked"
  }
  step "Approve" {
    approve "Ship {{env}} now?"
  }
  return "v2 {{env}} {{retries}}"
}
)";

// Version 3: "Approve" is gone.
constexpr const char* kVersion3NoStep = R"(
workflow release(env: string) -> string {
  var retries = 3
  step "Sign off" {
    approve "Sign off?"
  }
  return "v3"
}
)";

// Version 3: `retries` is a string.
constexpr const char* kVersion3Retyped = R"(
workflow release(env: string) -> string {
  var retries = "3"
  step "Approve" {
    approve "Ship?"
  }
  return "v3 {{retries}}"
}
)";

class Upgrade : public ServiceTest {
 protected:
  Upgrade() : ServiceTest("wf-upgrade") {}

  void push_version(const char* source) { ASSERT_EQ(push(*api_, "release.wf", source), "release"); }

  // The pending approvals of the instance, oldest first.
  json pending(int64_t instance) {
    return body_json(api_->get("/api/v1/approvals?status=pending&instance=" + std::to_string(instance))).value("items", json::array());
  }
  json all_approvals(int64_t instance) {
    return body_json(api_->get("/api/v1/approvals?instance=" + std::to_string(instance))).value("items", json::array());
  }
  // Starts version 1 and waits until it is paused at its approval.
  int64_t waiting_at_approval() {
    const int64_t id = start(*api_, "release", {{"params", {{"env", "prod"}}}});
    EXPECT_GT(id, 0);
    EXPECT_TRUE(wait_until([&] { return pending(id).size() == 1; }));
    return id;
  }
  client::HttpResult upgrade(int64_t id, int64_t version, bool dry_run) {
    return api_->post("/api/v1/instances/" + std::to_string(id) + "/upgrade",
                      json({{"version", version}, {"dry_run", dry_run}}).dump());
  }
  void approve(int64_t approval) {
    auto r = api_->post("/api/v1/approvals/" + std::to_string(approval) + "/respond", json({{"decision", "approve"}}).dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }
};

TEST_F(Upgrade, AnInstanceAtAnApprovalMovesAndCompletesWithTheNewCode) {
  push_version(kVersion1);
  const int64_t id = waiting_at_approval();
  const int64_t old_approval = pending(id)[0].value("id", int64_t{0});
  EXPECT_EQ(pending(id)[0]["title"], "Ship it?");
  push_version(kVersion2);

  auto r = upgrade(id, 2, false);
  ASSERT_EQ(r.status, 200) << r.body;
  json v = body_json(r);
  EXPECT_EQ(v["upgraded"], true) << v.dump();
  EXPECT_EQ(v["from_version"], 1);
  EXPECT_EQ(v["to_version"], 2);
  EXPECT_EQ(v["step"], "Approve");

  // The old request is cancelled; the new code asks in its own words.
  ASSERT_TRUE(wait_until([&] { return pending(id).size() == 1 && pending(id)[0]["title"] == "Ship prod now?"; })) << pending(id).dump();
  const int64_t new_approval = pending(id)[0].value("id", int64_t{0});
  EXPECT_NE(new_approval, old_approval);
  EXPECT_EQ(body_json(api_->get("/api/v1/approvals/" + std::to_string(old_approval)))["status"], "cancelled");
  json d = instance(*api_, id);
  EXPECT_EQ(d["version"], 2) << d.dump();

  approve(new_approval);
  d = wait_ended(*api_, id);
  EXPECT_EQ(d["status"], "completed") << d.dump();
  // Version 2's code, with the values of the checkpoint: "Prepare" ran once, in version 1.
  EXPECT_EQ(d["result"], "v2 prod 4") << d.dump();

  // The execution log records the move; "Check" (before "Approve") never ran.
  json log = body_json(api_->get("/api/v1/instances/" + std::to_string(id) + "/log"));
  std::string text;
  for (const auto& l : log.value("items", json::array())) text += l.value("message", "") + "\n";
  EXPECT_NE(text.find("upgraded from version 1 to version 2: step \"Approve\" starts again in the new code"), std::string::npos) << text;
  EXPECT_EQ(text.find("checked"), std::string::npos) << text;
  // The timeline shows the move between the two "Approve" rows.
  std::string timeline;
  for (const auto& s : d.value("steps", json::array())) timeline += s.value("kind", "") + ":" + s.value("name", "") + ":" + s.value("status", "") + "\n";
  EXPECT_NE(timeline.find("upgrade:version 1 → 2:completed"), std::string::npos) << timeline;
}

TEST_F(Upgrade, ADryRunChangesNothing) {
  push_version(kVersion1);
  const int64_t id = waiting_at_approval();
  const int64_t approval = pending(id)[0].value("id", int64_t{0});
  push_version(kVersion2);
  const json before = instance(*api_, id);

  auto r = upgrade(id, 2, true);
  ASSERT_EQ(r.status, 200) << r.body;
  json v = body_json(r);
  EXPECT_EQ(v["can_upgrade"], true) << v.dump();
  EXPECT_EQ(v["step"], "Approve");
  const json after = instance(*api_, id);
  EXPECT_EQ(after["version"], 1);
  EXPECT_EQ(after["steps"], before["steps"]);
  ASSERT_EQ(all_approvals(id).size(), 1u);
  EXPECT_EQ(pending(id)[0].value("id", int64_t{0}), approval);
  // The bulk dry run says the same of the definition's instances.
  auto bulk = api_->post("/api/v1/definitions/release/upgrade-instances", json({{"to_version", 2}, {"dry_run", true}}).dump());
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  EXPECT_EQ(body_json(bulk)["can_upgrade"], 1) << bulk.body;
  EXPECT_EQ(instance(*api_, id)["version"], 1);
}

TEST_F(Upgrade, RefusalsSayWhy) {
  push_version(kVersion1);
  const int64_t id = waiting_at_approval();
  push_version(kVersion3NoStep);   // version 2
  push_version(kVersion3Retyped);  // version 3
  auto no_step = upgrade(id, 2, false);
  EXPECT_EQ(no_step.status, 409) << no_step.body;
  EXPECT_EQ(body_json(no_step)["error"]["message"], "no step \"Approve\" in version 2") << no_step.body;
  auto retyped = upgrade(id, 3, true);
  ASSERT_EQ(retyped.status, 200) << retyped.body;
  EXPECT_EQ(body_json(retyped)["can_upgrade"], false);
  EXPECT_EQ(body_json(retyped)["reason"], "variable retries: int in version 1, string in version 3") << retyped.body;
  auto missing = upgrade(id, 9, false);
  EXPECT_EQ(missing.status, 404) << missing.body;
  auto older = upgrade(id, 1, false);
  EXPECT_EQ(older.status, 409) << older.body;
  EXPECT_EQ(upgrade(id, 2, false).status, 409);
  auto bad = api_->post("/api/v1/instances/" + std::to_string(id) + "/upgrade", json({{"version", "two"}}).dump());
  EXPECT_EQ(bad.status, 400) << bad.body;
  // Nothing moved: still version 1, still the one approval.
  EXPECT_EQ(instance(*api_, id)["version"], 1);
  EXPECT_EQ(all_approvals(id).size(), 1u);
}

TEST_F(Upgrade, AJobStillRunningRefusesTheMove) {
  agent("web1");
  ASSERT_EQ(push(*api_, "busy.wf", R"(
workflow busy(targets: hosts) {
  step "Work" {
    run command "sleep 30" on targets
  }
}
)"), "busy");
  const int64_t id = start(*api_, "busy", {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  int64_t job = 0;
  ASSERT_TRUE(wait_until([&] {
    auto jobs = body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id))).value("items", json::array());
    for (const auto& j : jobs)
      if (j.value("status", "") == "running") job = j.value("id", int64_t{0});
    return job > 0;
  }));
  ASSERT_EQ(push(*api_, "busy.wf", R"(
workflow busy(targets: hosts) {
  step "Work" {
    run command "sleep 1" on targets
  }
}
)"), "busy");
  auto r = api_->post("/api/v1/instances/" + std::to_string(id) + "/upgrade", json({{"version", 2}, {"dry_run", true}}).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_json(r)["reason"], "job " + std::to_string(job) + " still running") << r.body;
  api_->post("/api/v1/instances/" + std::to_string(id) + "/cancel", "{}");
}

TEST_F(Upgrade, AMoveSurvivesKill9) {
  push_version(kVersion1);
  const int64_t id = waiting_at_approval();
  push_version(kVersion2);
  auto r = upgrade(id, 2, false);
  ASSERT_EQ(r.status, 200) << r.body;
  // Killed as soon as the move was answered (so committed): it comes back moved, with the new
  // approval pending, and completes with version 2's code.
  service_->kill9();
  ASSERT_TRUE(service_->start()) << service_->log();
  api_ = service_->admin();
  EXPECT_EQ(instance(*api_, id)["version"], 2);
  ASSERT_TRUE(wait_until([&] { return pending(id).size() == 1; }));
  EXPECT_EQ(pending(id)[0]["title"], "Ship prod now?");
  approve(pending(id)[0].value("id", int64_t{0}));
  json d = wait_ended(*api_, id);
  EXPECT_EQ(d["result"], "v2 prod 4") << d.dump();
}

TEST_F(Upgrade, AKill9DuringMovesLeavesEachInstanceWholeAtOneVersion) {
  // Many instances moved by the bulk route while the service is killed: after the restart each is
  // either at version 1 with its first approval pending, or at version 2 with the new one —
  // never without a pending approval, never with both.
  push_version(kVersion1);
  std::vector<int64_t> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(waiting_at_approval());
  push_version(kVersion2);
  std::thread mover([&] {
    client::HttpClient c(service_->url(), service_->admin_token());
    c.post("/api/v1/definitions/release/upgrade-instances", json({{"to_version", 2}}).dump());
  });
  service_->kill9();
  mover.join();
  ASSERT_TRUE(service_->start()) << service_->log();
  api_ = service_->admin();
  for (int64_t id : ids) {
    const json d = instance(*api_, id);
    ASSERT_TRUE(wait_until([&] { return pending(id).size() == 1; })) << id << ": " << all_approvals(id).dump();
    const std::string title = pending(id)[0]["title"];
    if (d["version"] == 1) EXPECT_EQ(title, "Ship it?") << id;
    else EXPECT_EQ(title, "Ship prod now?") << id;
  }
  // And the move goes on after the restart.
  auto bulk = api_->post("/api/v1/definitions/release/upgrade-instances", json({{"to_version", 2}}).dump());
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  for (int64_t id : ids) EXPECT_EQ(instance(*api_, id)["version"], 2) << id;
}

TEST_F(Upgrade, TheCliMovesAWorkflowsInstancesAndPublishSaysHowManyCould) {
  push_version(kVersion1);
  const int64_t id = waiting_at_approval();
  push_version(kVersion2);
  const std::string token = service_->admin_token();
  auto [published_code, published] = run_wf(*service_, token, "publish release --version 2");
  EXPECT_EQ(published_code, 0) << published;
  EXPECT_NE(published.find("1 of 1 live instance of older versions could move to version 2"), std::string::npos) << published;
  auto [dry_code, dry] = run_wf(*service_, token, "upgrade --workflow release --to 2 --dry-run");
  EXPECT_EQ(dry_code, 0) << dry;
  EXPECT_NE(dry.find(fmt::format("instance {}: can move from version 1 to 2", id)), std::string::npos) << dry;
  EXPECT_EQ(instance(*api_, id)["version"], 1);
  auto [code, out] = run_wf(*service_, token, fmt::format("upgrade {} --to 2", id));
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find(fmt::format("instance {}: moved from version 1 to 2; step \"Approve\" starts again", id)), std::string::npos) << out;
  EXPECT_EQ(instance(*api_, id)["version"], 2);
  auto [again_code, again] = run_wf(*service_, token, fmt::format("upgrade {} --to 2", id));
  EXPECT_NE(again_code, 0) << again;
}

}  // namespace
}  // namespace wf::testing

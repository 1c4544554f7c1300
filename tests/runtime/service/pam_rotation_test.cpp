// Rotation of vault secrets with a real `wf agent` (SPEC §1.8, §4.7): a checkin of an identity with
// `rotate_after_use` runs its rotate_script on its rotate_host with the new secret in the
// script's environment and never its argv; the new secret is stored once the job succeeds (the
// old one is no longer handed out); a failed rotation keeps the old secret, marks the identity
// `rotation_failed` and notifies its channel; rotations are audited; and no secret used is ever in
// the database file, its WAL, the logs or an API answer.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

class PamRotation : public ServiceTest {
 protected:
  PamRotation() : ServiceTest("wf-pam-rotation") {}

  void SetUp() override {
    ServiceTest::SetUp();
    agent("web1");
    ASSERT_EQ(push(*api_, "use.wf", R"(
workflow use(targets: hosts, out: string) -> string {
  checkout cred = pam "db_admin" reason "use" ttl 5m {
    run command "printf %s \"$WF_CREDENTIAL_SECRET\" > {{out}}" on targets as cred
  }
  return "used"
}
)"),
              "use");
  }
  // Every API answer the test read, to grep for secrets at the end.
  std::string seen_;
  client::HttpResult get(const std::string& path) {
    auto r = api_->get(path);
    seen_ += r.body;
    return r;
  }
  // Runs `use`, whose job writes the secret it was given to `out`; that secret.
  std::string use(const std::string& out) {
    const std::filesystem::path file = dir_ / out;
    const int64_t id = start(*api_, "use", {{"hosts", {"web1"}}, {"params", {{"out", file.string()}}}});
    json end = wait_ended(*api_, id);
    seen_ += end.dump();
    EXPECT_EQ(end["status"], "completed") << end.dump();
    seen_ += get("/api/v1/instances/" + std::to_string(id) + "/log?limit=500").body;
    return file_bytes(file);
  }
  json wait_rotation(const std::string& status) {
    json identity;
    wait_until([&] {
      identity = body_json(get("/api/v1/vault/identities/db_admin"));
      return identity.value("rotation_status", "") == status;
    });
    return identity;
  }
};

TEST_F(PamRotation, RotationAfterUseStoresTheNewSecretWhichTheScriptGotOnlyInItsEnvironment) {
  const std::string old_secret = "old-Secret-" + std::to_string(::getpid());
  const std::string script = "tr '\\0' ' ' < /proc/$$/cmdline > " + (dir_ / "cmdline").string() +
                             "\nprintf '%s' \"$WF_NEW_SECRET\" > " + (dir_ / "new").string() + "\n";
  auto made = api_->post("/api/v1/vault/identities",
                         json({{"name", "db_admin"}, {"username", "dba"}, {"secret", old_secret}, {"rotate_after_use", true},
                               {"rotate_host", "web1"}, {"rotate_script", script}, {"secret_length", 32},
                               {"secret_alphabet", "abcdef0123456789"}})
                             .dump());
  ASSERT_EQ(made.status, 201) << made.body;
  seen_ += made.body;
  EXPECT_EQ(use("seen1"), old_secret);
  const json rotated = wait_rotation("rotated");
  ASSERT_EQ(rotated.value("rotation_status", ""), "rotated") << rotated.dump();
  EXPECT_TRUE(rotated["rotated_at"].is_string());
  const std::string fresh = file_bytes(dir_ / "new");
  ASSERT_EQ(fresh.size(), 32u) << fresh;
  EXPECT_TRUE(std::all_of(fresh.begin(), fresh.end(), [](char c) { return std::string("abcdef0123456789").find(c) != std::string::npos; }));
  EXPECT_NE(fresh, old_secret);
  // The script's command line is there and does not hold the secret.
  const std::string cmdline = file_bytes(dir_ / "cmdline");
  EXPECT_NE(cmdline.find("bash"), std::string::npos) << cmdline;
  EXPECT_EQ(cmdline.find(fresh), std::string::npos) << cmdline;
  // From now on a job `as` the identity gets the new secret, not the old one.
  EXPECT_EQ(use("seen2"), fresh);
  // Both ends are audited.
  auto audit = body_json(get("/api/v1/audit?action=vault.rotate"));
  EXPECT_EQ(audit["items"].size(), 2u) << audit.dump();  // after each use
  EXPECT_GE(body_json(get("/api/v1/audit?action=vault.rotated"))["items"].size(), 1u);
  // Nowhere in the clear: the answers read, the store's files, the logs.
  wait_rotation("rotated");
  for (const char* path : {"/api/v1/vault/identities", "/api/v1/vault/sessions", "/api/v1/jobs", "/api/v1/instances",
                           "/api/v1/audit", "/api/v1/notifications", "/api/v1/approvals"})
    get(path);
  const json jobs = body_json(get("/api/v1/jobs"));
  for (const json& j : jobs["items"]) get("/api/v1/jobs/" + std::to_string(j["id"].get<int64_t>()));
  for (auto& a : agents_) a->stop();
  ASSERT_EQ(service_->stop(), 0);
  std::string stored;
  for (const char* f : {"wf.db", "wf.db-wal"}) stored += file_bytes(dir_ / "data" / f);
  ASSERT_GT(stored.size(), 1000u);
  const std::string logs = service_->log() + file_bytes(dir_ / "agent-web1.log");
  ASSERT_GT(logs.size(), 100u);
  for (const std::string& secret : {old_secret, fresh}) {
    EXPECT_EQ(stored.find(secret), std::string::npos) << "the store holds a secret";
    EXPECT_EQ(logs.find(secret), std::string::npos) << "a log holds a secret";
    EXPECT_EQ(seen_.find(secret), std::string::npos) << "an API answer holds a secret";
  }
}

TEST_F(PamRotation, AFailedRotationKeepsTheOldSecretAndNotifiesTheChannel) {
  const std::string old_secret = "old-Secret-" + std::to_string(::getpid());
  auto made = api_->post("/api/v1/vault/identities",
                         json({{"name", "db_admin"}, {"username", "dba"}, {"secret", old_secret}, {"rotate_host", "web1"},
                               {"rotate_script", "echo cannot reach the database >&2\nexit 3\n"}, {"channel", "slack:#vault"}})
                             .dump());
  ASSERT_EQ(made.status, 201) << made.body;
  auto rotate = api_->post("/api/v1/vault/identities/db_admin/rotate");
  ASSERT_EQ(rotate.status, 202) << rotate.body;
  EXPECT_TRUE(body_json(rotate)["job_id"].is_number_integer()) << rotate.body;
  const json failed = wait_rotation("rotation_failed");
  ASSERT_EQ(failed.value("rotation_status", ""), "rotation_failed") << failed.dump();
  EXPECT_EQ(use("seen"), old_secret);
  json notes;
  EXPECT_TRUE(wait_until([&] {
    notes = body_json(get("/api/v1/notifications"));
    for (const json& n : notes["items"])
      if (n.value("channel", "") == "slack:#vault" && n.value("message", "").find("rotation of `db_admin` failed") != std::string::npos) return true;
    return false;
  })) << notes.dump();
  auto audit = body_json(get("/api/v1/audit?action=vault.rotation_failed"));
  EXPECT_EQ(audit["items"].size(), 1u) << audit.dump();
  // An identity without a script cannot be rotated; an unknown one is not found.
  ASSERT_EQ(api_->post("/api/v1/vault/identities", json({{"name", "plain"}, {"username", "u"}, {"secret", "s3cr3t-xyz"}}).dump()).status, 201);
  EXPECT_EQ(api_->post("/api/v1/vault/identities/plain/rotate").status, 409);
  EXPECT_EQ(api_->post("/api/v1/vault/identities/nobody/rotate").status, 404);
}

}  // namespace
}  // namespace wf::testing

// Privileged access through the service (SPEC §1.8, §4.7): a checkout of an identity that needs an
// approval pauses with `pam_approval` on a normal approval request, answered through the approvals
// API with its permission checks; approved, the session opens and the block runs; rejected or
// expired, the checkout raises `permission` and `finally` still runs. Leases close their
// sessions; open sessions are listed and an administrator revokes one.
#include <string>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

class PamCheckout : public ServiceTest {
 protected:
  PamCheckout() : ServiceTest("wf-pam-checkout") {}

  void identity(json fields) {
    fields["username"] = "dba";
    fields["secret"] = "hunter2-" + std::to_string(::getpid());
    auto r = api_->post("/api/v1/vault/identities", fields.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::unique_ptr<client::HttpClient> user(const std::string& name, const json& roles) {
    EXPECT_EQ(api_->post("/api/v1/users", json({{"name", name}, {"roles", roles}}).dump()).status, 201);
    auto token = api_->post("/api/v1/tokens", json({{"user", name}}).dump());
    EXPECT_EQ(token.status, 201) << token.body;
    return std::make_unique<client::HttpClient>(service_->url(), body_json(token).value("token", ""));
  }
  int64_t start_borrow(const std::string& identity) {
    const std::string source = R"(
workflow borrow() -> string {
  var user = ""
  try {
    checkout cred = pam "IDENTITY" reason "vacuum for T-1" ttl 5m {
      log "block ran"
      user = cred.username
    }
  } finally {
    log "cleanup ran"
  }
  return user
}
)";
    std::string text = source;
    text.replace(text.find("IDENTITY"), 8, identity);
    EXPECT_EQ(push(*api_, "borrow.wf", text), "borrow");
    return start(*api_, "borrow", json::object());
  }
  // The instance's pending approval, once it waits on it.
  json pending_approval(int64_t id) {
    json items;
    wait_until([&] {
      items = body_json(api_->get("/api/v1/approvals?status=pending&instance=" + std::to_string(id)))["items"];
      return items.is_array() && items.size() == 1;
    });
    return items.is_array() && items.size() == 1 ? items[0] : json();
  }
  bool logged(int64_t id, const std::string& text) {
    auto log = body_json(api_->get("/api/v1/instances/" + std::to_string(id) + "/log?limit=500"));
    for (const auto& line : log["items"])
      if (line.value("message", "").find(text) != std::string::npos) return true;
    return false;
  }
};

TEST_F(PamCheckout, ACheckoutNeedingApprovalPausesAndRunsItsBlockOnceApproved) {
  identity({{"name", "db_admin"}, {"requires_approval", true}});
  const int64_t id = start_borrow("db_admin");
  ASSERT_GT(id, 0);
  json paused = wait_status(*api_, id, [](const json& d) { return d.value("status", "") == "paused"; });
  EXPECT_EQ(paused["pause_reason"], "pam_approval") << paused.dump();
  const json approval = pending_approval(id);
  ASSERT_TRUE(approval.is_object()) << "no pending approval";
  EXPECT_EQ(approval["title"], "checkout db_admin: vacuum for T-1") << approval.dump();
  EXPECT_EQ(approval["quorum"], "one_of_many");
  // Nobody named on the identity: anyone who may manage the vault, and no one else.
  EXPECT_EQ(approval["approvers"], json({"permission:pam_vaults.manage"})) << approval.dump();
  EXPECT_FALSE(logged(id, "block ran"));
  const std::string respond = "/api/v1/approvals/" + std::to_string(approval["id"].get<int64_t>()) + "/respond";
  auto op = user("olga", {"operator"});
  auto refused = op->post(respond, R"({"decision": "approve"})");
  EXPECT_EQ(refused.status, 403) << refused.body;
  ASSERT_EQ(api_->post("/api/v1/roles", R"({"name": "vaulter", "permissions": ["workflows.execute", "pam_vaults.manage"]})").status, 201);
  auto keeper = user("vera", {"vaulter"});
  auto approved = keeper->post(respond, R"({"decision": "approve", "note": "ok"})");
  ASSERT_EQ(approved.status, 200) << approved.body;
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], "dba");
  EXPECT_TRUE(logged(id, "block ran"));
  EXPECT_TRUE(logged(id, "cleanup ran"));
  // Checked in: no session stays open.
  EXPECT_EQ(body_json(api_->get("/api/v1/vault/sessions"))["items"], json::array());
}

TEST_F(PamCheckout, ARejectedCheckoutRaisesPermissionAndFinallyStillRuns) {
  identity({{"name", "db_admin"}, {"requires_approval", true}, {"approvers", {"user:alice"}}});
  auto alice = user("alice", {"operator"});
  const int64_t id = start_borrow("db_admin");
  const json approval = pending_approval(id);
  ASSERT_TRUE(approval.is_object());
  EXPECT_EQ(approval["approvers"], json({"user:alice"}));
  auto r = alice->post("/api/v1/approvals/" + std::to_string(approval["id"].get<int64_t>()) + "/respond",
                       R"({"decision": "reject", "note": "not today"})");
  ASSERT_EQ(r.status, 200) << r.body;
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "failed") << end.dump();
  EXPECT_EQ(end["error"]["kind"], "permission");
  const std::string message = end["error"].value("message", "");
  EXPECT_NE(message.find("rejected by alice"), std::string::npos) << message;
  EXPECT_NE(message.find("not today"), std::string::npos) << message;
  EXPECT_FALSE(logged(id, "block ran"));
  EXPECT_TRUE(logged(id, "cleanup ran"));
}

TEST_F(PamCheckout, AnExpiredCheckoutApprovalRaisesPermissionAndFinallyStillRuns) {
  identity({{"name", "db_admin"}, {"requires_approval", true}, {"approval_timeout", "1s"}});
  const int64_t id = start_borrow("db_admin");
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "failed") << end.dump();
  EXPECT_EQ(end["error"]["kind"], "permission");
  EXPECT_NE(end["error"].value("message", "").find("expired"), std::string::npos) << end.dump();
  EXPECT_TRUE(logged(id, "cleanup ran"));
  auto approvals = body_json(api_->get("/api/v1/approvals?instance=" + std::to_string(id)))["items"];
  ASSERT_EQ(approvals.size(), 1u);
  EXPECT_EQ(approvals[0]["status"], "expired");
}

TEST_F(PamCheckout, BadIdentityFieldsAreRefused) {
  for (const json& bad : {json({{"approvers", {"alice"}}}), json({{"approval_quorum", "most"}}), json({{"approval_timeout", "soon"}}),
                          json({{"rotate_after_use", true}}), json({{"secret_length", 3}}), json({{"channel", "pager"}}),
                          json({{"rotate_interpreter", "perl"}})}) {
    json fields = bad;
    fields["name"] = "x";
    fields["username"] = "u";
    fields["secret"] = "s";
    auto r = api_->post("/api/v1/vault/identities", fields.dump());
    EXPECT_EQ(r.status, 400) << fields.dump() << " " << r.body;
    EXPECT_TRUE(body_json(r)["error"]["message"].is_string()) << r.body;
  }
}


// A lease shorter than its block: at expiry the session closes, the instance's log says so, and a
// job that starts `as` the credential afterwards is refused its secret.
TEST_F(PamCheckout, ALeaseShorterThanItsBlockClosesTheSessionAndRefusesTheSecret) {
  agent("web1");
  identity({{"name", "db_admin"}});
  ASSERT_EQ(push(*api_, "lease.wf", R"(
workflow lease(targets: hosts) -> string {
  checkout cred = pam "db_admin" reason "short" ttl 2s {
    sleep 4s
    run command "echo secret-was-$WF_CREDENTIAL_SECRET" on targets as cred
  }
  return "done"
}
)"),
            "lease");
  const int64_t id = start(*api_, "lease", {{"hosts", {"web1"}}});
  ASSERT_GT(id, 0);
  // While it is open the session is listed with its lease.
  json sessions;
  ASSERT_TRUE(wait_until([&] {
    sessions = body_json(api_->get("/api/v1/vault/sessions"))["items"];
    return sessions.is_array() && sessions.size() == 1;
  })) << sessions.dump();
  EXPECT_EQ(sessions[0]["identity"], "db_admin");
  EXPECT_EQ(sessions[0]["instance_id"], id);
  EXPECT_TRUE(sessions[0]["opened_at"].is_string());
  EXPECT_TRUE(sessions[0]["expires_at"].is_string()) << sessions.dump();
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "failed") << end.dump();
  EXPECT_TRUE(logged(id, "lease of session")) << "the log does not record the lease's end";
  auto jobs = body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id)))["items"];
  ASSERT_EQ(jobs.size(), 1u) << jobs.dump();
  const json job = body_json(api_->get("/api/v1/jobs/" + std::to_string(jobs[0]["id"].get<int64_t>())));
  EXPECT_NE(job.dump().find("lease expired"), std::string::npos) << job.dump();
  EXPECT_EQ(job.value("status", ""), "config") << job.dump();
  EXPECT_EQ(job.value("stdout", ""), "") << job.dump();
  EXPECT_EQ(body_json(api_->get("/api/v1/vault/sessions"))["items"], json::array());
}

// An administrator revokes an open session: it leaves the list, the log records who, and the
// block's next job `as` it is refused its secret.
TEST_F(PamCheckout, AnAdministratorRevokesAnOpenSession) {
  agent("web1");
  identity({{"name", "db_admin"}});
  ASSERT_EQ(push(*api_, "held.wf", R"(
workflow held(targets: hosts) -> string {
  checkout cred = pam "db_admin" reason "long" ttl 1h {
    let go = wait event "go" timeout 30s
    run command "echo secret-was-$WF_CREDENTIAL_SECRET" on targets as cred
  }
  return "done"
}
)"),
            "held");
  const int64_t id = start(*api_, "held", {{"hosts", {"web1"}}});
  json sessions;
  ASSERT_TRUE(wait_until([&] {
    sessions = body_json(api_->get("/api/v1/vault/sessions"))["items"];
    return sessions.is_array() && sessions.size() == 1;
  }));
  const std::string session = sessions[0]["session"];
  auto op = user("olga", {"operator"});
  EXPECT_EQ(op->post("/api/v1/vault/sessions/" + session + "/revoke").status, 403);
  EXPECT_EQ(api_->post("/api/v1/vault/sessions/nope/revoke").status, 404);
  auto revoked = api_->post("/api/v1/vault/sessions/" + session + "/revoke");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(body_json(revoked)["closed_reason"], "revoked");
  EXPECT_EQ(body_json(revoked)["closed_by"], "admin");
  EXPECT_EQ(api_->post("/api/v1/vault/sessions/" + session + "/revoke").status, 409);
  EXPECT_EQ(body_json(api_->get("/api/v1/vault/sessions"))["items"], json::array());
  ASSERT_EQ(api_->post("/api/v1/instances/" + std::to_string(id) + "/signal", R"({"event": "go"})").status, 200);
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "failed") << end.dump();
  EXPECT_TRUE(logged(id, "revoked by admin"));
  auto jobs = body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id)))["items"];
  ASSERT_EQ(jobs.size(), 1u);
  const json job = body_json(api_->get("/api/v1/jobs/" + std::to_string(jobs[0]["id"].get<int64_t>())));
  EXPECT_NE(job.dump().find("revoked"), std::string::npos) << job.dump();
}

// The sessions of an instance that ends are closed, however it ended (here: cancelled inside the
// block, whose checkin then finds nothing open).
TEST_F(PamCheckout, TheSessionsOfAnEndedInstanceAreClosed) {
  identity({{"name", "db_admin"}});
  ASSERT_EQ(push(*api_, "stuck.wf", R"(
workflow stuck() -> string {
  checkout cred = pam "db_admin" reason "forever" ttl 1h {
    sleep 1h
  }
  return "never"
}
)"),
            "stuck");
  const int64_t id = start(*api_, "stuck", json::object());
  ASSERT_TRUE(wait_until([&] { return body_json(api_->get("/api/v1/vault/sessions"))["items"].size() == 1; }));
  ASSERT_EQ(api_->post("/api/v1/instances/" + std::to_string(id) + "/cancel").status, 200);
  EXPECT_EQ(wait_ended(*api_, id)["status"], "cancelled");
  EXPECT_TRUE(wait_until([&] { return body_json(api_->get("/api/v1/vault/sessions"))["items"].empty(); }));
}

// `wf vault`: an identity added with its secret on standard input (never the command line), listed
// and shown without it; a checkout of it waits in `wf approvals`; its session is listed and
// revoked; an identity without a rotation script is not rotated.
TEST_F(PamCheckout, TheVaultCommandsManageIdentitiesAndSessions) {
  const std::string token = service_->admin_token();
  const std::string secret = "cli-Secret-" + std::to_string(::getpid());
  auto [rc, out] = run_shell("printf '%s\\n' '" + secret + "' | " +
                             wf_command_line(*service_, token, "vault add db_admin --username dba --requires-approval --approver role:dba") +
                             " 2>&1");
  ASSERT_EQ(rc, 0) << out;
  std::tie(rc, out) = run_wf(*service_, token, "vault ls");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("db_admin"), std::string::npos) << out;
  std::tie(rc, out) = run_wf(*service_, token, "vault show db_admin");
  EXPECT_NE(out.find("role:dba"), std::string::npos) << out;
  EXPECT_EQ(out.find(secret), std::string::npos) << out;
  const int64_t id = start_borrow("db_admin");
  ASSERT_TRUE(pending_approval(id).is_object());
  std::tie(rc, out) = run_wf(*service_, token, "approvals");
  EXPECT_NE(out.find("checkout db_admin: vacuum for T-1"), std::string::npos) << out;
  std::tie(rc, out) = run_wf(*service_, token, "vault rotate db_admin");
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("no rotate_script"), std::string::npos) << out;
  // Approved, the block runs; a session of another checkout, held open, is listed and revoked.
  ASSERT_EQ(api_->post("/api/v1/vault/identities", json({{"name", "plain"}, {"username", "u"}, {"secret", "plain-secret-1"}}).dump()).status, 201);
  ASSERT_EQ(push(*api_, "hold.wf", "workflow hold() {\n  checkout c = pam \"plain\" reason \"hold\" ttl 1h {\n    sleep 1h\n  }\n}\n"), "hold");
  const int64_t held = start(*api_, "hold", json::object());
  ASSERT_GT(held, 0);
  std::string session = "cs-" + std::to_string(held) + "-";
  ASSERT_TRUE(wait_until([&] {
    std::tie(rc, out) = run_wf(*service_, token, "vault sessions");
    return out.find(session) != std::string::npos;
  })) << out;
  session = out.substr(out.find(session), out.find(' ', out.find(session)) - out.find(session));
  std::tie(rc, out) = run_wf(*service_, token, "vault revoke " + session);
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = run_wf(*service_, token, "vault sessions");
  EXPECT_EQ(out.find(session), std::string::npos) << out;
}

// A checkout waiting for its approval, and an open session's lease, survive a restart of the
// service: the request is answered afterwards and the block runs; the lease still ends.
TEST_F(PamCheckout, AWaitingCheckoutAndALeaseSurviveARestart) {
  identity({{"name", "db_admin"}, {"requires_approval", true}});
  identity({{"name", "plain"}});
  ASSERT_EQ(push(*api_, "hold.wf", "workflow hold() {\n  checkout c = pam \"plain\" reason \"hold\" ttl 3s {\n    sleep 1h\n  }\n}\n"), "hold");
  const int64_t held = start(*api_, "hold", json::object());
  const int64_t id = start_borrow("db_admin");
  ASSERT_TRUE(pending_approval(id).is_object());
  ASSERT_TRUE(wait_until([&] { return body_json(api_->get("/api/v1/vault/sessions"))["items"].size() == 1; }));
  ASSERT_EQ(service_->stop(), 0);
  ASSERT_TRUE(service_->start()) << service_->log();
  EXPECT_EQ(instance(*api_, id)["pause_reason"], "pam_approval");
  const json approval = pending_approval(id);
  ASSERT_TRUE(approval.is_object());
  ASSERT_EQ(api_->post("/api/v1/approvals/" + std::to_string(approval["id"].get<int64_t>()) + "/respond", R"({"decision": "approve"})").status, 200);
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], "dba");
  // The other instance's lease ended after the restart, by its durable timer.
  EXPECT_TRUE(wait_until([&] { return body_json(api_->get("/api/v1/vault/sessions"))["items"].empty(); }, std::chrono::seconds(15)));
  EXPECT_TRUE(wait_until([&] { return logged(held, "lease of session"); }));
}

}  // namespace
}  // namespace wf::testing

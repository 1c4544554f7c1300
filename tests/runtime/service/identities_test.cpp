// Users, roles and tokens through the API (SPEC §4.7): a token is shown once and stored only as a
// hash; revoking it, disabling its user or taking a role away takes effect on the next request;
// an organization always keeps an enabled administrator; the first start's token of an older
// version keeps working; and neither the database nor the log holds a token.
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/service/auth.h"
#include "runtime/store/database.h"
#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

std::string file_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Identities : public ServiceTest {
 protected:
  Identities() : ServiceTest("wf-identities") {}

  // A new user with `roles` and a token of theirs (its answer).
  json user_with_token(const std::string& name, const json& roles, const json& token_fields = json::object()) {
    auto made = api_->post("/api/v1/users", json({{"name", name}, {"roles", roles}}).dump());
    EXPECT_EQ(made.status, 201) << made.body;
    json fields = token_fields;
    fields["user"] = name;
    auto token = api_->post("/api/v1/tokens", fields.dump());
    EXPECT_EQ(token.status, 201) << token.body;
    return body_json(token);
  }
};

TEST_F(Identities, ATokenIsShownOnceAndWorksUntilRevoked) {
  const json made = user_with_token("op", {"operator"}, {{"name", "laptop"}, {"expires", "30d"}});
  const std::string token = made.value("token", "");
  EXPECT_TRUE(std::regex_match(token, std::regex("wft_[0-9]+_[0-9a-f]{64}"))) << token;
  EXPECT_EQ(made["name"], "laptop");
  EXPECT_TRUE(made["expires_at"].is_string()) << made.dump();

  client::HttpClient op(service_->url(), token);
  auto me = op.get("/api/v1/users/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(body_json(me)["user"]["name"], "op");
  EXPECT_EQ(body_json(me)["organization"]["name"], "default");
  EXPECT_EQ(body_json(me)["roles"], json({"operator"}));
  EXPECT_EQ(body_json(me)["administrator"], false);

  // The list shows the token without its secret, with its last use.
  auto list = api_->get("/api/v1/tokens?user=op");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find(token.substr(token.rfind('_') + 1)), std::string::npos) << list.body;
  ASSERT_EQ(body_json(list)["items"].size(), 1u);
  EXPECT_TRUE(body_json(list)["items"][0]["last_used_at"].is_string()) << list.body;

  // Revoked: refused from the next request on; the row stays, marked.
  ASSERT_EQ(api_->request("DELETE", "/api/v1/tokens/" + std::to_string(made.value("id", int64_t{0}))).status, 200);
  auto refused = op.get("/api/v1/users/me");
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(body_json(refused)["error"]["message"], "the token was revoked");
  EXPECT_TRUE(body_json(api_->get("/api/v1/tokens?user=op"))["items"][0]["revoked_at"].is_string());
}

TEST_F(Identities, DisablingAUserOrTakingARoleAwayActsOnTheNextRequest) {
  ASSERT_EQ(api_->post("/api/v1/roles", json({{"name", "runner"}, {"permissions", {"jobs.view"}}}).dump()).status, 201);
  client::HttpClient op(service_->url(), user_with_token("op", json::array()).value("token", ""));
  // No role: nothing but who it is.
  EXPECT_EQ(op.get("/api/v1/users/me").status, 200);
  EXPECT_EQ(op.get("/api/v1/jobs").status, 403);
  ASSERT_EQ(api_->post("/api/v1/roles/runner/grant", R"({"user": "op"})").status, 200);
  EXPECT_EQ(op.get("/api/v1/jobs").status, 200);
  EXPECT_EQ(op.get("/api/v1/instances").status, 403);
  // A custom role's new permissions count at once.
  ASSERT_EQ(api_->post("/api/v1/roles", json({{"name", "runner"}, {"permissions", {"jobs.view", "workflows.view"}}}).dump()).status, 201);
  EXPECT_EQ(op.get("/api/v1/instances").status, 200);
  ASSERT_EQ(api_->post("/api/v1/roles/runner/revoke", R"({"user": "op"})").status, 200);
  EXPECT_EQ(op.get("/api/v1/jobs").status, 403);

  ASSERT_EQ(api_->request("PATCH", "/api/v1/users/op", R"({"disabled": true})").status, 200);
  auto refused = op.get("/api/v1/users/me");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(body_json(refused)["error"]["message"], "the token's user is disabled");
  ASSERT_EQ(api_->request("PATCH", "/api/v1/users/op", R"({"disabled": false})").status, 200);
  EXPECT_EQ(op.get("/api/v1/users/me").status, 200);
  // A disabled user gets no new token.
  ASSERT_EQ(api_->request("PATCH", "/api/v1/users/op", R"({"disabled": true})").status, 200);
  EXPECT_EQ(api_->post("/api/v1/tokens", R"({"user": "op"})").status, 409);
}

TEST_F(Identities, TheOrganizationKeepsAnEnabledAdministrator) {
  EXPECT_EQ(api_->request("PATCH", "/api/v1/users/admin", R"({"disabled": true})").status, 409);
  EXPECT_EQ(api_->post("/api/v1/roles/admin/revoke", R"({"user": "admin"})").status, 409);
  // With a second administrator the first may go.
  user_with_token("root2", {"admin"});
  EXPECT_EQ(api_->post("/api/v1/roles/admin/revoke", R"({"user": "admin"})").status, 200);
  // Its token now acts with no role at all.
  EXPECT_EQ(api_->get("/api/v1/users").status, 403);
  EXPECT_EQ(body_json(api_->get("/api/v1/users/me"))["roles"], json::array());
}

TEST_F(Identities, BuiltInRolesAreListedAndCannotBeChanged) {
  auto roles = body_json(api_->get("/api/v1/roles"));
  ASSERT_GE(roles["items"].size(), 3u);
  EXPECT_EQ(roles["items"][0]["name"], "admin");
  EXPECT_EQ(roles["items"][1]["name"], "operator");
  EXPECT_EQ(roles["items"][1]["permissions"],
            json({"workflows.view", "workflows.execute", "jobs.view", "jobs.manage", "scripts.view", "pam_vaults.view",
                  "automation.view", "automation.kill_switch", "settings.view"}));
  EXPECT_EQ(roles["items"][2]["name"], "viewer");
  EXPECT_EQ(api_->post("/api/v1/roles", R"({"name": "viewer", "permissions": []})").status, 409);
  EXPECT_EQ(api_->request("DELETE", "/api/v1/roles/admin").status, 409);
  ASSERT_EQ(api_->post("/api/v1/roles", R"({"name": "temp", "permissions": ["jobs.view"]})").status, 201);
  user_with_token("t", {"temp"});
  ASSERT_EQ(api_->request("DELETE", "/api/v1/roles/temp").status, 200);
  EXPECT_EQ(body_json(api_->get("/api/v1/users/t"))["roles"], json::array());
}

TEST_F(Identities, AnOlderFirstStartsTokenKeepsWorking) {
  // What migration 9 makes of an older store's administrator token: a token of user `admin`,
  // found by the hash of the whole token.
  const std::string legacy = service::new_token("wf_");
  ASSERT_EQ(service_->stop(), 0);
  {
    std::string error;
    auto db = store::Database::open((dir_ / "data" / "wf.db").string(), {}, error);
    ASSERT_TRUE(db) << error;
    auto& s = db->prepare("INSERT INTO tokens (org_id, kind, hash, user_id, name, created_at) VALUES (1, 'user', ?1, 1, 'admin.token', 0)");
    s.bind(1, std::string_view(service::token_hash(legacy)));
    ASSERT_TRUE(s.run()) << s.error();
  }
  ASSERT_TRUE(service_->start()) << service_->log();
  client::HttpClient old(service_->url(), legacy);
  auto me = old.get("/api/v1/users/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(body_json(me)["user"]["name"], "admin");
  EXPECT_EQ(old.get("/api/v1/users").status, 200);
  // A user token's shape with a wrong secret is unknown, not another token.
  const std::string admin = service_->admin_token();
  std::string forged = admin;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(client::HttpClient(service_->url(), forged).get("/api/v1/users/me").status, 401);
}

TEST_F(Identities, NeitherTheDatabaseNorTheLogHoldsAToken) {
  std::vector<std::string> tokens = {service_->admin_token()};
  for (const char* name : {"a", "b", "c"}) tokens.push_back(user_with_token(name, {"viewer"}).value("token", ""));
  for (const std::string& t : tokens) {
    client::HttpClient c(service_->url(), t);
    EXPECT_EQ(c.get("/api/v1/users/me").status, 200);
    // A refused token is not written down either.
    client::HttpClient wrong(service_->url(), t + "x");
    EXPECT_EQ(wrong.get("/api/v1/users/me").status, 401);
  }
  ASSERT_EQ(service_->stop(), 0);
  std::string stored;
  for (const char* f : {"wf.db", "wf.db-wal"}) stored += file_text(dir_ / "data" / f);
  const std::string log = service_->log();
  ASSERT_GT(stored.size(), 1000u);
  for (const std::string& t : tokens) {
    const std::string secret = t.substr(t.rfind('_') + 1);
    EXPECT_EQ(stored.find(secret), std::string::npos) << "the store holds a token's secret";
    EXPECT_EQ(log.find(secret), std::string::npos) << "the log holds a token's secret";
  }
}

}  // namespace
}  // namespace wf::testing

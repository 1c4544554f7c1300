// The permission matrix (SPEC §4.7), generated from the route table: every endpoint called by an
// administrator, an operator, a viewer, a user of a custom role, a user without roles, a revoked
// token, an expired token, an agent and another organization's administrator, each answer checked
// against what that caller may do — written here from the reference manuals' tables, not taken
// from the service's own role table. No refusal's body says anything of the organization's
// resources.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/service/route_table.h"
#include "runtime/store/database.h"
#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;
using service::AuthPolicy;
using service::Route;

const std::set<std::string> kViews = {"workflows.view", "jobs.view",       "scripts.view", "pam_vaults.view",
                                      "automation.view", "settings.view"};

std::set<std::string> operator_permissions() {
  std::set<std::string> out = kViews;
  out.insert({"workflows.execute", "jobs.manage", "automation.kill_switch"});
  return out;
}

// A caller of the matrix: its token and what it may do.
struct Caller {
  std::string name, token;
  enum class Is { User, Revoked, Expired, Agent, OtherAdmin } is = Is::User;
  bool all = false;                  // every permission (an administrator)
  std::set<std::string> permissions;  // otherwise these
  bool may(const std::string& permission) const { return all || permission.empty() || permissions.count(permission); }
};

std::string with_unknown_ids(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      i = path.find('}', i);
      out += "999999999";
    } else {
      out += path[i];
    }
  }
  return out;
}

class PermissionMatrix : public ServiceTest {
 protected:
  PermissionMatrix() : ServiceTest("wf-matrix") {}

  // A user made through the API with `roles`, and a token of theirs.
  std::string user_with_token(const std::string& name, const json& roles, int64_t* token_id = nullptr) {
    auto made = api_->post("/api/v1/users", json({{"name", name}, {"roles", roles}}).dump());
    EXPECT_EQ(made.status, 201) << made.body;
    auto token = api_->post("/api/v1/tokens", json({{"user", name}, {"name", name + "'s token"}}).dump());
    EXPECT_EQ(token.status, 201) << token.body;
    if (token_id) *token_id = body_json(token).value("id", int64_t{0});
    return body_json(token).value("token", "");
  }

  // What a refusal may say: an error code and message only, and nothing of what the first
  // organization holds.
  void expect_clean_refusal(const client::HttpResult& r, const std::string& what) {
    const json body = body_json(r);
    ASSERT_TRUE(body.contains("error")) << what << ": " << r.body;
    EXPECT_EQ(body.size(), 1u) << what << ": " << r.body;
    for (const std::string& secret : secrets_) EXPECT_EQ(r.body.find(secret), std::string::npos) << what << " leaks: " << r.body;
  }

  std::vector<std::string> secrets_;
};

TEST_F(PermissionMatrix, EveryEndpointAnswersEachCallerAsItsPermissionsSay) {
  // What the first organization holds, and its secrets a refusal must not show.
  ASSERT_FALSE(push(*api_, "matrix.wf", R"(
workflow matrix_gate() {
  approve "MATRIX-TITLE-7f3a" timeout 1h
}
)").empty());
  ASSERT_GT(start(*api_, "matrix_gate", json::object()), 0);
  ASSERT_EQ(api_->post("/api/v1/vault/identities",
                       json({{"name", "db"}, {"username", "matrix-user-55c1"}, {"secret", "matrix-secret-91be"}}).dump())
                .status,
            201);
  ASSERT_EQ(api_->post("/api/v1/roles", json({{"name", "auditor"}, {"permissions", {"workflows.view", "jobs.view"}}}).dump()).status,
            201);

  std::vector<Caller> callers;
  callers.push_back({"admin", service_->admin_token(), Caller::Is::User, true, {}});
  callers.push_back({"operator", user_with_token("op", {"operator"}), Caller::Is::User, false, operator_permissions()});
  callers.push_back({"viewer", user_with_token("view", {"viewer"}), Caller::Is::User, false, kViews});
  callers.push_back({"custom role", user_with_token("aud", {"auditor"}), Caller::Is::User, false, {"workflows.view", "jobs.view"}});
  callers.push_back({"no role", user_with_token("nobody", json::array()), Caller::Is::User, false, {}});
  int64_t revoked_id = 0, expired_id = 0;
  callers.push_back({"revoked token", user_with_token("gone", {"operator"}, &revoked_id), Caller::Is::Revoked, false, {}});
  ASSERT_EQ(api_->request("DELETE", "/api/v1/tokens/" + std::to_string(revoked_id)).status, 200);
  callers.push_back({"expired token", user_with_token("late", {"operator"}, &expired_id), Caller::Is::Expired, false, {}});
  client::HttpClient anonymous(service_->url());
  auto registered =
      anonymous.post("/api/v1/agents/register", json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "web1"}}).dump());
  ASSERT_EQ(registered.status, 201) << registered.body;
  callers.push_back({"agent", body_json(registered)["token"].get<std::string>(), Caller::Is::Agent, false, {}});
  auto other = api_->post("/api/v1/orgs", json({{"name", "other"}}).dump());
  ASSERT_EQ(other.status, 201) << other.body;
  callers.push_back({"other organization's admin", body_json(other)["token"].get<std::string>(), Caller::Is::OtherAdmin, true, {}});
  for (const Caller& c : callers) secrets_.push_back(c.token);
  secrets_.insert(secrets_.end(), {"MATRIX-TITLE-7f3a", "matrix-user-55c1", "matrix-secret-91be", service_->enroll_secret(),
                                   body_json(other)["enrollment_secret"].get<std::string>()});

  // The expired token: its expiry moved into the past while the service is down.
  ASSERT_EQ(service_->stop(), 0);
  {
    std::string error;
    auto db = store::Database::open((dir_ / "data" / "wf.db").string(), {}, error);
    ASSERT_TRUE(db) << error;
    auto& s = db->prepare("UPDATE tokens SET expires_at = 1 WHERE id = ?1");
    s.bind(1, expired_id);
    ASSERT_TRUE(s.run()) << s.error();
  }
  ASSERT_TRUE(service_->start()) << service_->log();

  size_t checked = 0;
  for (const Route& route : service::routes()) {
    if (route.auth != AuthPolicy::User && route.auth != AuthPolicy::Agent) continue;
    const std::string permission = route.permission;
    const std::string path = with_unknown_ids(service::full_path(route));
    const std::string what_route = std::string(route.method) + " " + service::full_path(route);
    std::string body = route.json_body ? "{}" : "";
    if (std::string(route.path) == "/agents/poll") body = R"({"wait_ms": 1})";
    for (const Caller& caller : callers) {
      const std::string what = what_route + " as " + caller.name;
      const bool agent_route = route.auth == AuthPolicy::Agent;
      int refused = 0;  // the refusal expected, 0 for none
      if (caller.is == Caller::Is::Revoked || caller.is == Caller::Is::Expired) refused = 401;
      else if (agent_route != (caller.is == Caller::Is::Agent)) refused = 403;
      else if (!agent_route && !caller.may(permission)) refused = 403;
      // Only administrators of the first organization create organizations.
      if (!refused && caller.is == Caller::Is::OtherAdmin && what_route == "POST /api/v1/orgs") refused = 403;
      // The organization's event stream would stay open for a caller who may read it.
      if (!refused && route.path == std::string("/events")) continue;
      client::HttpClient client(service_->url(), caller.token);
      const auto r = client.request(route.method, path, body, 10000);
      ++checked;
      if (refused) {
        EXPECT_EQ(r.status, refused) << what << ": " << r.body;
        EXPECT_EQ(body_json(r)["error"]["code"], refused == 401 ? "unauthorized" : "forbidden") << what << ": " << r.body;
        expect_clean_refusal(r, what);
        if (refused == 403 && caller.is == Caller::Is::User) {
          EXPECT_NE(r.body.find(permission), std::string::npos) << what << " does not name the permission it needs: " << r.body;
        }
      } else {
        EXPECT_NE(r.status, 0) << what << ": " << r.error;
        EXPECT_NE(r.status, 401) << what << ": " << r.body;
        EXPECT_NE(r.status, 403) << what << ": " << r.body;
        EXPECT_LT(r.status, 500) << what << ": " << r.body;
        if (r.status >= 400) expect_clean_refusal(r, what);
      }
    }
  }
  EXPECT_GT(checked, 500u);
}

}  // namespace
}  // namespace wf::testing

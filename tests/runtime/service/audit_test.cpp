// The audit log (SPEC §4.7, docs/api.md "Audit log") of a real `wf serve`: a row for each change
// (a push, a start, a cancel, an approval's response, a job, a vault identity, an agent's
// registration, a token made through the API — by its id) and for each refused request (401
// without a token or with an unknown one, 403 for an agent's token on a user's route and for a
// user without the permission), none for reads or the agents' routine calls; GET /audit filters
// and pages them, an organization sees only its own, every answer carries its X-Request-Id, no
// token reaches the store or the log, and `wf audit` prints and follows them.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "runtime/service/auth.h"
#include "runtime/store/database.h"
#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

constexpr const char* kSource = R"(
workflow w() -> int {
  approve "Go on?" timeout 1h
  return 1
}
)";

// A user token made directly in the store: `wft_<id>_<secret>`, only the secret's hash stored.
struct MadeToken {
  int64_t id;
  std::string secret;
  std::string token() const { return wf::service::user_token(id, secret); }
};

// The value of header `name` (as the service spells it) in a raw answer, "" when absent.
std::string header_of(const std::string& answer, const std::string& name) {
  const std::string key = "\r\n" + name + ": ";
  const size_t at = answer.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return answer.substr(start, answer.find("\r\n", start) - start);
}

class AuditLog : public ServiceTest {
 protected:
  AuditLog() : ServiceTest("wf-audit") {}
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    // A viewer of the first organization and an administrator of a second one, added to the
    // store while the service is down.
    ASSERT_EQ(service_->stop(), 0);
    viewer_ = {200, wf::service::new_secret()};
    other_admin_ = {300, wf::service::new_secret()};
    other_secret_ = wf::service::new_token("wfe_");
    {
      std::string error;
      auto db = wf::store::Database::open((dir_ / "data" / "wf.db").string(), {}, error);
      ASSERT_TRUE(db) << error;
      auto& o = db->prepare("INSERT INTO orgs (id, name, enrollment_secret, created_at) VALUES (2, 'other', ?1, 0)");
      o.bind(1, std::string_view(other_secret_));
      ASSERT_TRUE(o.run()) << o.error();
      ASSERT_TRUE(db->exec("INSERT INTO users (id, org_id, name, created_at) VALUES (200, 1, 'vera', 0); "
                           "INSERT INTO role_grants (user_id, role, granted_at) VALUES (200, 'viewer', 0); "
                           "INSERT INTO users (id, org_id, name, created_at) VALUES (300, 2, 'admin', 0); "
                           "INSERT INTO role_grants (user_id, role, granted_at) VALUES (300, 'admin', 0)",
                           &error))
          << error;
      for (const auto& [t, org] : {std::pair{viewer_, 1}, std::pair{other_admin_, 2}}) {
        auto& s = db->prepare("INSERT INTO tokens (id, org_id, kind, hash, user_id, created_at) VALUES (?1, ?2, 'user', ?3, ?1, 0)");
        s.bind(1, t.id).bind(2, org).bind(3, std::string_view(wf::service::token_hash(t.secret)));
        ASSERT_TRUE(s.run()) << s.error();
        s.reset();
      }
    }
    ASSERT_TRUE(service_->start()) << service_->log();
    api_ = service_->admin();
    viewer_api_ = std::make_unique<client::HttpClient>(service_->url(), viewer_.token());
    other_api_ = std::make_unique<client::HttpClient>(service_->url(), other_admin_.token());
  }

  // The rows of GET /audit`query` as `c` sees them (every page).
  json rows(client::HttpClient& c, const std::string& query = "") {
    json all = json::array();
    std::string after;
    for (int pages = 0; pages < 100; ++pages) {
      const std::string sep = query.empty() ? "?" : query + "&";
      auto r = c.get("/api/v1/audit" + sep + "limit=1000" + after);
      EXPECT_EQ(r.status, 200) << r.body;
      const json page = body_json(r);
      for (const json& row : page.value("items", json::array())) all.push_back(row);
      if (!page.contains("next")) break;
      after = "&after=" + page["next"].get<std::string>();
    }
    return all;
  }

  // The one row of `all` for which `match` holds; fails when there is none or more than one.
  static json one(const json& all, const std::function<bool(const json&)>& match, const std::string& what) {
    json found;
    int n = 0;
    for (const json& row : all)
      if (match(row)) {
        found = row;
        ++n;
      }
    EXPECT_EQ(n, 1) << what << "\n" << all.dump(1);
    return found;
  }
  static std::function<bool(const json&)> at(const std::string& method, const std::string& path, int status) {
    return [=](const json& r) { return r.value("method", "") == method && r.value("path", "") == path && r.value("status", 0) == status; };
  }

  MadeToken viewer_, other_admin_;
  std::string other_secret_;
  std::unique_ptr<client::HttpClient> viewer_api_, other_api_;
};

TEST_F(AuditLog, RecordsEachChangeWithItsActorAndNoRead) {
  agent("web1");  // a registration
  ASSERT_EQ(push(*api_, "w.wf", kSource), "w");
  const int64_t approved = start(*api_, "w", json::object());
  const int64_t cancelled = start(*api_, "w", json::object());
  ASSERT_GT(approved, 0);
  ASSERT_GT(cancelled, 0);
  int64_t approval = 0;
  ASSERT_TRUE(wait_until([&] {
    for (const json& a : body_json(api_->get("/api/v1/approvals?status=pending")).value("items", json::array()))
      if (a.value("instance_id", 0) == approved) approval = a["id"];
    return approval != 0;
  }));
  auto r = api_->post("/api/v1/approvals/" + std::to_string(approval) + "/respond", R"({"decision": "approve"})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = api_->post("/api/v1/instances/" + std::to_string(cancelled) + "/cancel");
  ASSERT_EQ(r.status, 200) << r.body;
  r = api_->post("/api/v1/jobs", R"({"host": "web1", "command": "true"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t job = body_json(r)["id"];
  r = api_->post("/api/v1/vault/identities", R"({"name": "db", "username": "u", "secret": "vault-secret-91c2e7"})");
  ASSERT_EQ(r.status, 201) << r.body;
  // Reads are not recorded.
  ASSERT_EQ(api_->get("/api/v1/instances").status, 200);
  ASSERT_EQ(api_->get("/api/v1/jobs/" + std::to_string(job)).status, 200);

  json all;
  ASSERT_TRUE(wait_until([&] {
    all = rows(*api_);
    return all.size() >= 8;
  })) << all.dump(1);
  EXPECT_EQ(all.size(), 8u) << all.dump(1);

  const json registered = one(all, at("POST", "/agents/register", 201), "the registration");
  EXPECT_EQ(registered["action"], "agent.register");
  EXPECT_EQ(registered["actor_kind"], "agent");
  EXPECT_EQ(registered["actor"], "agent:web1");
  EXPECT_EQ(registered["resource"], "agents");
  EXPECT_EQ(registered["resource_id"], "web1");
  EXPECT_EQ(registered["outcome"], "ok");
  EXPECT_EQ(registered["token_id"], json());

  const json pushed = one(all, at("POST", "/definitions", 201), "the push");
  EXPECT_EQ(pushed["action"], "workflows.create");
  EXPECT_EQ(pushed["resource"], "definitions");
  EXPECT_EQ(pushed["actor"], "admin");
  EXPECT_EQ(pushed["actor_kind"], "user");
  EXPECT_TRUE(pushed["token_id"].is_number_integer()) << pushed.dump();
  EXPECT_EQ(pushed["client"], "127.0.0.1");
  EXPECT_EQ(pushed["org"], 1);
  EXPECT_TRUE(std::regex_match(pushed.value("request_id", ""), std::regex("[0-9a-f]{16}"))) << pushed.dump();
  EXPECT_TRUE(std::regex_match(pushed.value("at", ""), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)"))) << pushed.dump();

  int starts = 0;
  for (const json& row : all)
    if (row["path"] == "/definitions/{id}/run") {
      ++starts;
      EXPECT_EQ(row["action"], "workflows.execute");
      EXPECT_EQ(row["resource_id"], "w");  // the {id} segment, before the created instance's id
      EXPECT_EQ(row["status"], 201);
    }
  EXPECT_EQ(starts, 2) << all.dump(1);

  const json answered = one(all, at("POST", "/approvals/{id}/respond", 200), "the approval's response");
  EXPECT_EQ(answered["resource"], "approvals");
  EXPECT_EQ(answered["resource_id"], std::to_string(approval));
  EXPECT_EQ(answered["action"], "workflows.execute");

  const json cancel = one(all, at("POST", "/instances/{id}/cancel", 200), "the cancel");
  EXPECT_EQ(cancel["resource"], "instances");
  EXPECT_EQ(cancel["resource_id"], std::to_string(cancelled));
  EXPECT_EQ(cancel["outcome"], "ok");

  const json created = one(all, at("POST", "/jobs", 201), "the job");
  EXPECT_EQ(created["action"], "jobs.manage");
  EXPECT_EQ(created["resource_id"], std::to_string(job));  // the 201's `id`

  const json identity = one(all, at("POST", "/vault/identities", 201), "the identity");
  EXPECT_EQ(identity["action"], "pam_vaults.manage");
  EXPECT_EQ(identity["resource"], "vault");

  for (const json& row : all) {
    EXPECT_NE(row["method"], "GET") << row.dump();
    // The agent's heartbeats, polls and job reports are its jobs' history, not the log's.
    EXPECT_NE(row["action"], "agent") << row.dump();
    EXPECT_EQ(row["detail"], "") << row.dump();
  }
}

TEST_F(AuditLog, RecordsEveryRefusal) {
  const std::string unknown = wf::service::user_token(999, wf::service::new_secret());
  // 401: no token, an unknown token on a user's route and on an agent's route.
  client::HttpClient anonymous(service_->url());
  ASSERT_EQ(anonymous.get("/api/v1/instances").status, 401);
  client::HttpClient stranger(service_->url(), unknown);
  ASSERT_EQ(stranger.post("/api/v1/instances/1/cancel").status, 401);
  ASSERT_EQ(stranger.post("/api/v1/agents/heartbeat", "{}").status, 401);
  // A registration with a wrong enrollment secret.
  ASSERT_EQ(anonymous.post("/api/v1/agents/register", R"({"enrollment_secret": "wfe_wrong", "hostname": "h1"})").status, 401);
  // 403: an agent's token on a user's route (the agent registered through the API).
  auto r = anonymous.post("/api/v1/agents/register",
                          json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "probe"}}).dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string agent_token = body_json(r)["token"];
  client::HttpClient agent(service_->url(), agent_token);
  ASSERT_EQ(agent.get("/api/v1/instances").status, 403);
  // A token made through the API is answered once; its audit row holds its id, never the token.
  r = api_->post("/api/v1/tokens", R"({"name": "ci"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string made_token = body_json(r)["token"];
  const int64_t made_id = body_json(r)["id"];
  ASSERT_EQ(client::HttpClient(service_->url(), made_token).get("/api/v1/instances").status, 200);
  // 403: a viewer may read but not start.
  ASSERT_EQ(push(*api_, "w.wf", kSource), "w");
  ASSERT_EQ(viewer_api_->get("/api/v1/definitions").status, 200);
  r = viewer_api_->post("/api/v1/definitions/w/run", "{}");
  ASSERT_EQ(r.status, 403) << r.body;

  json denied;
  ASSERT_TRUE(wait_until([&] {
    denied = rows(*api_, "?outcome=denied");
    return denied.size() >= 6;
  })) << rows(*api_).dump(1);
  EXPECT_EQ(denied.size(), 6u) << denied.dump(1);

  const json no_token = one(denied, at("GET", "/instances", 401), "no token");
  EXPECT_EQ(no_token["action"], "authenticate");
  EXPECT_EQ(no_token["actor_kind"], "anonymous");
  EXPECT_EQ(no_token["actor"], "");
  EXPECT_EQ(no_token["token_id"], json());
  EXPECT_EQ(no_token["resource"], "instances");
  EXPECT_NE(no_token.value("detail", "").find("Authorization"), std::string::npos) << no_token.dump();

  const json unknown_row = one(denied, at("POST", "/instances/{id}/cancel", 401), "an unknown token");
  EXPECT_EQ(unknown_row["action"], "authenticate");
  EXPECT_EQ(unknown_row["actor_kind"], "anonymous");
  EXPECT_EQ(unknown_row["detail"], "unknown token");
  EXPECT_EQ(unknown_row["resource_id"], "1");
  EXPECT_EQ(unknown_row["org"], 1);

  const json heartbeat = one(denied, at("POST", "/agents/heartbeat", 401), "an unknown token on an agent's route");
  EXPECT_EQ(heartbeat["action"], "authenticate");

  const json wrong_secret = one(denied, at("POST", "/agents/register", 401), "a wrong enrollment secret");
  EXPECT_EQ(wrong_secret["action"], "agent.register");
  EXPECT_EQ(wrong_secret["actor_kind"], "anonymous");
  EXPECT_EQ(wrong_secret["detail"], "wrong enrollment secret");

  const json agent_row = one(denied, at("GET", "/instances", 403), "an agent's token on a user's route");
  EXPECT_EQ(agent_row["actor_kind"], "agent");
  EXPECT_EQ(agent_row["actor"], "agent:probe");
  EXPECT_TRUE(agent_row["token_id"].is_number_integer()) << agent_row.dump();
  EXPECT_EQ(agent_row["action"], "workflows.view");

  const json token_row = one(rows(*api_, "?resource=tokens"), at("POST", "/tokens", 201), "a token made");
  EXPECT_EQ(token_row["resource_id"], std::to_string(made_id));
  EXPECT_EQ(token_row["action"], "settings.manage");

  const json viewer_row = one(denied, at("POST", "/definitions/{id}/run", 403), "a viewer starting");
  EXPECT_EQ(viewer_row["actor"], "vera");
  EXPECT_EQ(viewer_row["actor_kind"], "user");
  EXPECT_EQ(viewer_row["token_id"], viewer_.id);
  EXPECT_EQ(viewer_row["action"], "workflows.execute");
  EXPECT_NE(viewer_row.value("detail", "").find("workflows.execute"), std::string::npos) << viewer_row.dump();

  // No token string used reaches the store's files or the service's log.
  const json all = rows(*api_);
  ASSERT_EQ(service_->stop(), 0);
  const std::filesystem::path data = dir_ / "data";
  const std::string files[] = {file_bytes(data / "wf.db"), file_bytes(data / "wf.db-wal"), service_->log()};
  ASSERT_FALSE(files[0].empty());
  const std::string tokens[] = {service_->admin_token(), viewer_.token(), other_admin_.token(), unknown, agent_token, made_token,
                                "wfe_wrong"};
  for (const std::string& token : tokens) {
    ASSERT_GT(token.size(), 8u);
    for (const std::string& text : files) EXPECT_EQ(text.find(token), std::string::npos) << token;
  }
  for (const std::string& secret : {viewer_.secret, other_admin_.secret})
    for (const std::string& text : files) EXPECT_EQ(text.find(secret), std::string::npos);
  // And nothing of the audit's answer holds one either.
  for (const std::string& token : tokens) EXPECT_EQ(all.dump().find(token), std::string::npos) << token;
}

TEST_F(AuditLog, ListsFilterAndPage) {
  ASSERT_EQ(push(*api_, "w.wf", kSource), "w");
  for (int i = 0; i < 3; ++i) ASSERT_GT(start(*api_, "w", json::object()), 0);
  ASSERT_EQ(viewer_api_->post("/api/v1/definitions/w/run", "{}").status, 403);
  ASSERT_EQ(viewer_api_->post("/api/v1/instances/1/cancel").status, 403);
  client::HttpClient anonymous(service_->url());
  ASSERT_EQ(anonymous.get("/api/v1/jobs").status, 401);
  json all;
  ASSERT_TRUE(wait_until([&] {
    all = rows(*api_);
    return all.size() >= 7;
  })) << all.dump(1);
  ASSERT_EQ(all.size(), 7u) << all.dump(1);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i - 1]["id"].get<int64_t>(), all[i]["id"].get<int64_t>());

  EXPECT_EQ(rows(*api_, "?actor=vera").size(), 2u);
  EXPECT_EQ(rows(*api_, "?actor=admin").size(), 4u);
  EXPECT_EQ(rows(*api_, "?outcome=denied").size(), 3u);
  EXPECT_EQ(rows(*api_, "?outcome=ok").size(), 4u);
  EXPECT_EQ(rows(*api_, "?action=workflows.execute").size(), 5u);
  EXPECT_EQ(rows(*api_, "?action=authenticate").size(), 1u);
  EXPECT_EQ(rows(*api_, "?resource=definitions").size(), 5u);
  EXPECT_EQ(rows(*api_, "?resource=jobs").size(), 1u);
  EXPECT_EQ(rows(*api_, "?actor=vera&resource=instances").size(), 1u);
  EXPECT_EQ(rows(*api_, "?since=2000-01-01T00:00:00Z").size(), 7u);
  EXPECT_EQ(rows(*api_, "?since=946684800000").size(), 7u);
  EXPECT_EQ(rows(*api_, "?since=2999-01-01T00:00:00Z").size(), 0u);
  // A viewer may read the log (settings.view).
  EXPECT_EQ(rows(*viewer_api_).size(), 7u);

  // Keyset paging: pages of 3 follow each other, newest first, with the total when counted.
  std::vector<int64_t> ids;
  json page = body_json(api_->get("/api/v1/audit?limit=3&count=true"));
  EXPECT_EQ(page["total"], 7);
  for (int pages = 0; pages < 5; ++pages) {
    for (const json& row : page["items"]) ids.push_back(row["id"]);
    if (!page.contains("next")) break;
    page = body_json(api_->get("/api/v1/audit?limit=3&after=" + page["next"].get<std::string>()));
  }
  ASSERT_EQ(ids.size(), 7u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], all[i]["id"].get<int64_t>());
  page = body_json(api_->get("/api/v1/audit?skip=5&limit=10"));
  EXPECT_EQ(page["items"].size(), 2u);

  // Bad filters are 400 with the error shape.
  for (const char* bad : {"?outcome=maybe", "?since=yesterday", "?since=-5", "?limit=1001", "?after=x", "?count=perhaps"}) {
    auto r = api_->get(std::string("/api/v1/audit") + bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_EQ(body_json(r)["error"]["code"], "bad_request") << bad << ": " << r.body;
  }
}

TEST_F(AuditLog, AnOrganizationSeesOnlyItsOwnRows) {
  ASSERT_EQ(push(*api_, "w.wf", kSource), "w");
  ASSERT_EQ(push(*other_api_, "w.wf", kSource), "w");
  client::HttpClient anonymous(service_->url());
  auto r = anonymous.post("/api/v1/agents/register", json({{"enrollment_secret", other_secret_}, {"hostname", "db9"}}).dump());
  ASSERT_EQ(r.status, 201) << r.body;
  json first, other;
  ASSERT_TRUE(wait_until([&] {
    first = rows(*api_);
    other = rows(*other_api_);
    return first.size() >= 1 && other.size() >= 2;
  }));
  ASSERT_EQ(first.size(), 1u) << first.dump(1);
  EXPECT_EQ(first[0]["org"], 1);
  ASSERT_EQ(other.size(), 2u) << other.dump(1);
  for (const json& row : other) EXPECT_EQ(row["org"], 2) << row.dump();
  EXPECT_EQ(other[0]["path"], "/agents/register");  // the registration belongs to the secret's organization
  EXPECT_EQ(other[0]["actor"], "agent:db9");
  EXPECT_EQ(other[1]["token_id"], other_admin_.id);
  std::set<int64_t> first_ids;
  for (const json& row : first) first_ids.insert(row["id"].get<int64_t>());
  for (const json& row : other) EXPECT_EQ(first_ids.count(row["id"].get<int64_t>()), 0u);
}

TEST_F(AuditLog, EveryAnswerCarriesItsRequestId) {
  const std::string token = service_->admin_token();
  // A sane id of the caller's is kept, in the answer and in the row.
  std::string answer = raw_answer(service_->port(), "POST /api/v1/instances/424242/cancel HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                               token + "\r\nX-Request-Id: deploy-7.run_1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  ASSERT_NE(answer.find(" 404 "), std::string::npos) << answer;
  EXPECT_EQ(header_of(answer, "X-Request-Id"), "deploy-7.run_1") << answer;
  // Without one, or with one that is not sane, the service makes its own.
  answer = raw_answer(service_->port(), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string made = header_of(answer, "X-Request-Id");
  EXPECT_TRUE(std::regex_match(made, std::regex("[0-9a-f]{16}"))) << answer;
  answer = raw_answer(service_->port(), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Request-Id: a b\r\nConnection: close\r\n\r\n");
  const std::string replaced = header_of(answer, "X-Request-Id");
  EXPECT_TRUE(std::regex_match(replaced, std::regex("[0-9a-f]{16}"))) << answer;
  EXPECT_NE(replaced, made);
  answer = raw_answer(service_->port(), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + std::string(65, 'a') +
                                   "\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(std::regex_match(header_of(answer, "X-Request-Id"), std::regex("[0-9a-f]{16}"))) << answer;
  // So does the 404 of a path no route has.
  answer = raw_answer(service_->port(), "GET /api/v1/nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(header_of(answer, "X-Request-Id"), "") << answer;

  json all;
  ASSERT_TRUE(wait_until([&] {
    all = rows(*api_);
    return !all.empty();
  }));
  ASSERT_EQ(all.size(), 1u) << all.dump(1);
  EXPECT_EQ(all[0]["request_id"], "deploy-7.run_1");
  EXPECT_EQ(all[0]["outcome"], "error");
  EXPECT_EQ(all[0]["status"], 404);
  EXPECT_EQ(all[0]["detail"], "not_found");  // an error's code, never its message
}

TEST_F(AuditLog, WfAuditPrintsFiltersAndFollows) {
  ASSERT_EQ(push(*api_, "w.wf", kSource), "w");
  ASSERT_EQ(viewer_api_->post("/api/v1/definitions/w/run", "{}").status, 403);
  ASSERT_TRUE(wait_until([&] { return rows(*api_).size() >= 2; }));

  auto [code, out] = run_wf(*service_, service_->admin_token(), "audit");
  ASSERT_EQ(code, 0) << out;
  const size_t header = out.find("TIME");
  const size_t push_line = out.find("POST /definitions ");
  const size_t denied_line = out.find("POST /definitions/w/run");
  EXPECT_NE(header, std::string::npos) << out;
  EXPECT_NE(out.find("OUTCOME"), std::string::npos) << out;
  ASSERT_NE(push_line, std::string::npos) << out;
  ASSERT_NE(denied_line, std::string::npos) << out;
  EXPECT_LT(push_line, denied_line) << "oldest first\n" << out;
  EXPECT_NE(out.find("denied"), std::string::npos) << out;
  EXPECT_NE(out.find("127.0.0.1"), std::string::npos) << out;

  std::tie(code, out) = run_wf(*service_, service_->admin_token(), "audit --actor vera --format json");
  ASSERT_EQ(code, 0) << out;
  const json printed = json::parse(out, nullptr, false);
  ASSERT_TRUE(printed.is_array()) << out;
  ASSERT_EQ(printed.size(), 1u) << out;
  EXPECT_EQ(printed[0]["actor"], "vera");

  std::tie(code, out) = run_wf(*service_, service_->admin_token(), "audit --outcome ok --limit 1");
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("denied"), std::string::npos) << out;
  std::tie(code, out) = run_wf(*service_, service_->admin_token(), "audit --since 1h --actor vera");
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("vera"), std::string::npos) << out;
  std::tie(code, out) = run_wf(*service_, service_->admin_token(), "audit --since soon");
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("since"), std::string::npos) << out;

  // -f prints what is recorded after it started.
  Process follower;
  const auto log = dir_ / "audit-follow.log";
  ASSERT_TRUE(follower.spawn({"audit", "-f", "--server", service_->url(), "--token", service_->admin_token()}, log));
  ASSERT_TRUE(wait_until([&] { return file_bytes(log).find("POST /definitions ") != std::string::npos; })) << file_bytes(log);
  EXPECT_EQ(file_bytes(log).find("POST /groups"), std::string::npos);
  ASSERT_EQ(api_->post("/api/v1/groups", R"({"name": "g", "hosts": []})").status, 201);
  ASSERT_EQ(viewer_api_->post("/api/v1/groups", R"({"name": "h", "hosts": []})").status, 403);
  EXPECT_TRUE(wait_until([&] {
    const std::string text = file_bytes(log);
    return text.find("POST /groups") != std::string::npos && text.find("vera") != std::string::npos &&
           text.rfind("vera") > text.find("POST /groups");
  })) << file_bytes(log);
  EXPECT_TRUE(follower.running());
  follower.kill9();
}

}  // namespace
}  // namespace wf::testing

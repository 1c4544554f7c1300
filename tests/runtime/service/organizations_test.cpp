// Organizations scope everything (SPEC §4.7): a second organization, made through the API of a
// real `wf serve`, with the same workflow, host, user and identity names as the first, sees,
// starts and answers nothing of the first's — on every read and write path, its event stream and
// its agents' polls — and its events are stored under it. Also: a deferred start arms the workflow's @timeout, and an instance records
// what started it.
#include <gtest/gtest.h>

#include "runtime/store/database.h"
#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

constexpr const char* kSource = R"(
workflow w(targets: hosts) -> int {
  let r = run command "true" on targets
  approve "Go on?" timeout 1h
  let payload = wait event "go" timeout 1h
  return 1
}
)";

class Organizations : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("wf-orgs");
    service_ = std::make_unique<Service>(dir_);
    ASSERT_TRUE(service_->start()) << service_->log();
    first_ = service_->admin();
    // The second organization, made by the first's administrator: its own administrator (named
    // `admin` too), token and enrollment secret.
    auto made = first_->post("/api/v1/orgs", R"({"name": "other"})");
    ASSERT_EQ(made.status, 201) << made.body;
    other_token_ = body_json(made).value("token", "");
    other_secret_ = body_json(made).value("enrollment_secret", "");
    EXPECT_EQ(body_json(made).value("admin", ""), "admin");
    other_ = std::make_unique<wf::client::HttpClient>(service_->url(), other_token_);
  }
  void TearDown() override {
    for (auto& a : agents_) a.stop();
    service_->stop();
    std::error_code ec;
    if (!HasFailure()) std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<wf::client::HttpClient> first_, other_;
  std::string other_token_, other_secret_;
  Agent agents_[2];
};

TEST_F(Organizations, NothingOfOneIsVisibleStartableOrAnswerableFromTheOther) {
  // The same host name in both organizations, each with its own agent.
  ASSERT_TRUE(agents_[0].start(*service_, "web1"));
  ASSERT_TRUE(agents_[1].start(*service_, "web1", other_secret_, "web1-other"));
  ASSERT_TRUE(wait_until([&] {
    return body_json(first_->get("/api/v1/hosts")).value("total", 0) == 1 && body_json(other_->get("/api/v1/hosts")).value("total", 0) == 1;
  })) << service_->log();
  // The same workflow name and identity name in both.
  ASSERT_EQ(push(*first_, "w.wf", kSource), "w");
  ASSERT_EQ(push(*other_, "w.wf", kSource), "w");
  for (auto* c : {first_.get(), other_.get()}) {
    auto r = c->post("/api/v1/vault/identities", R"({"name": "db", "username": "u", "secret": "s3cret"})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  const int64_t a = start(*first_, "w", {{"hosts", {"web1"}}});
  const int64_t b = start(*other_, "w", {{"hosts", {"web1"}}});
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  // Each instance's job ran on its own organization's agent, and each now waits at its approval.
  for (auto [c, id] : {std::pair{first_.get(), a}, std::pair{other_.get(), b}}) {
    json d = wait_status(*c, id, [](const json& d) { return d.value("pause_reason", json()) == "approval"; });
    ASSERT_EQ(d.value("pause_reason", json()), "approval") << d.dump();
  }
  auto other_jobs = body_json(other_->get("/api/v1/jobs?count=true"));
  ASSERT_EQ(other_jobs["total"], 1) << other_jobs.dump();
  const int64_t b_job = other_jobs["items"][0]["id"];
  auto first_jobs = body_json(first_->get("/api/v1/jobs?count=true"));
  ASSERT_EQ(first_jobs["total"], 1) << first_jobs.dump();
  const int64_t a_job = first_jobs["items"][0]["id"];
  EXPECT_NE(a_job, b_job);
  auto first_approvals = body_json(first_->get("/api/v1/approvals?count=true"));
  ASSERT_EQ(first_approvals["total"], 1);
  const int64_t a_approval = first_approvals["items"][0]["id"];
  ASSERT_TRUE(first_->post("/api/v1/groups", R"({"name": "g", "hosts": ["web1"]})").status == 201);

  // Every path of the other organization to the first's objects: 404, and nothing changes.
  const std::string A = std::to_string(a), J = std::to_string(a_job), P = std::to_string(a_approval);
  struct Probe {
    const char* method;
    std::string path;
    std::string body;
  };
  const std::vector<Probe> probes = {
      {"GET", "/api/v1/instances/" + A, ""},
      {"GET", "/api/v1/instances/" + A + "/log", ""},
      {"POST", "/api/v1/instances/" + A + "/cancel", "{}"},
      {"POST", "/api/v1/instances/" + A + "/pause", "{}"},
      {"POST", "/api/v1/instances/" + A + "/resume", "{}"},
      {"POST", "/api/v1/instances/" + A + "/retry", "{}"},
      {"POST", "/api/v1/instances/" + A + "/signal", R"({"event": "go"})"},
      {"GET", "/api/v1/approvals/" + P, ""},
      {"POST", "/api/v1/approvals/" + P + "/respond", R"({"decision": "approve"})"},
      {"GET", "/api/v1/jobs/" + J, ""},
      {"POST", "/api/v1/jobs/" + J + "/cancel", "{}"},
      {"POST", "/api/v1/jobs/" + J + "/retry", "{}"},
      {"DELETE", "/api/v1/jobs/" + J, ""},
      {"GET", "/api/v1/jobs/" + J + "/events", ""},
  };
  for (const Probe& p : probes) {
    auto r = other_->request(p.method, p.path, p.body);
    EXPECT_EQ(r.status, 404) << p.method << " " << p.path << ": " << r.body;
  }
  // Lists hold only the organization's own rows.
  EXPECT_EQ(body_json(other_->get("/api/v1/instances?count=true"))["total"], 1);
  EXPECT_EQ(body_json(other_->get("/api/v1/instances"))["items"][0]["id"], b);
  EXPECT_EQ(body_json(other_->get("/api/v1/approvals?count=true"))["total"], 1);
  EXPECT_EQ(body_json(other_->get("/api/v1/groups"))["total"], 0);
  EXPECT_EQ(body_json(other_->get("/api/v1/definitions"))["total"], 1);
  EXPECT_EQ(body_json(other_->get("/api/v1/vault/identities"))["total"], 1);
  EXPECT_EQ(body_json(other_->get("/api/v1/agents"))["total"], 1);
  // A group of the first cannot be a target of the other.
  EXPECT_EQ(other_->post("/api/v1/definitions/w/run", R"({"groups": ["g"]})").status, 400);

  // The first's instance is untouched and goes on when its own organization answers.
  json d = instance(*first_, a);
  EXPECT_EQ(d["status"], "paused") << d.dump();
  auto r = first_->post("/api/v1/approvals/" + P + "/respond", R"({"decision": "approve"})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(wait_until([&] {
    const json detail = instance(*first_, a);
    for (const auto& s : detail["steps"])
      if (s["kind"] == "wait_event") return true;
    return false;
  })) << instance(*first_, a).dump();
  ASSERT_EQ(first_->post("/api/v1/instances/" + A + "/signal", R"({"event": "go"})").status, 200);
  EXPECT_EQ(wait_ended(*first_, a)["status"], "completed");
  EXPECT_EQ(instance(*other_, b)["status"], "paused");
  ASSERT_EQ(other_->post("/api/v1/instances/" + std::to_string(b) + "/cancel", "{}").status, 200);
  EXPECT_EQ(wait_ended(*other_, b)["status"], "cancelled");

  // The other's event stream, read from its beginning to its instance's end, holds nothing of the
  // first's.
  bool ended = false;
  std::vector<int64_t> seen;
  wf::client::SseParser parser;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  other_->stream("/api/v1/events", {"Last-Event-ID: 0"}, [&](std::string_view piece) {
    parser.feed(piece, [&](const wf::client::SseParser::Event& e) {
      const json data = json::parse(e.data, nullptr, false);
      seen.push_back(data.value("instance_id", int64_t{0}));
      if (e.type == "instance.status" && seen.back() == b && data["data"].value("status", "") == "cancelled") ended = true;
      return !ended;
    });
    return !ended && std::chrono::steady_clock::now() < deadline;
  });
  EXPECT_TRUE(ended);
  EXPECT_GT(seen.size(), 3u);
  for (int64_t id : seen) EXPECT_EQ(id, b) << "the other organization's stream shows instance " << id;
  // Users of the same name are two people: each organization lists its own.
  ASSERT_EQ(first_->post("/api/v1/users", R"({"name": "alice", "roles": ["operator"]})").status, 201);
  EXPECT_EQ(body_json(other_->get("/api/v1/users"))["total"], 1);
  EXPECT_EQ(other_->get("/api/v1/users/alice").status, 404);

  // Every event is stored under the organization of its instance.
  ASSERT_EQ(service_->stop(), 0);
  std::string error;
  auto db = wf::store::Database::open((dir_ / "data" / "wf.db").string(), {}, error);
  ASSERT_TRUE(db) << error;
  auto& q = db->prepare(
      "SELECT COUNT(*) FROM events e JOIN instances i ON i.id = e.instance_id WHERE e.org_id != i.org_id");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_int64(0), 0);
  q.reset();
  auto& n = db->prepare("SELECT COUNT(*) FROM events WHERE org_id = 2 AND instance_id = ?1");
  n.bind(1, b);
  ASSERT_TRUE(n.step());
  EXPECT_GT(n.column_int64(0), 3);
  n.reset();
}

TEST_F(Organizations, ADeferredStartArmsTheWorkflowTimeoutAndRecordsItsTrigger) {
  ASSERT_FALSE(push(*first_, "slow.wf", R"(
@timeout(2s)
workflow slow() -> int {
  sleep 1h
  return 1
}
)").empty());
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const int64_t id = start(*first_, "slow", {{"scheduled_at", now_ms + 500}});
  ASSERT_GT(id, 0);
  json d = instance(*first_, id);
  EXPECT_EQ(d["trigger"], "manual") << d.dump();
  d = wait_ended(*first_, id, std::chrono::seconds(20));
  EXPECT_EQ(d["status"], "timeout") << d.dump();
  auto list = body_json(first_->get("/api/v1/instances?trigger=manual&count=true"));
  EXPECT_EQ(list["total"], 1) << list.dump();
  EXPECT_EQ(list["items"][0]["trigger"], "manual");
  EXPECT_EQ(body_json(first_->get("/api/v1/instances?trigger=schedule&count=true"))["total"], 0);
  EXPECT_EQ(first_->get("/api/v1/instances?trigger=nope").status, 400);
}

}  // namespace

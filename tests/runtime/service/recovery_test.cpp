// Restart with many parked instances (SPEC §4): the service listens at once and says it is not
// ready (`/ready` 503) while it reads its live instances back, refuses changes meanwhile (503
// `recovering`, with Retry-After), then says it is ready, and every instance goes on from where
// it was.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>

#include "runtime/store/database.h"
#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

constexpr const char* kParked = R"(
workflow parked(n: int) -> int {
  approve "Go on?"
  return n + 1
}
)";

// Copies instance `id` (its row, waits, timeline, log and approval request) `copies` times under
// the ids that follow the largest one: as many parked instances as wanted, without running each.
void clone_instance(const std::filesystem::path& db_path, int64_t id, int copies) {
  std::string error;
  auto db = wf::store::Database::open(db_path.string(), {}, error);
  ASSERT_NE(db, nullptr) << error;
  ASSERT_TRUE(db->exec("BEGIN", &error)) << error;
  for (const char* table : {"instances", "waits", "steps", "instance_log", "approvals"}) {
    const std::string key = std::string(table) == "instances" ? "id" : "instance_id";
    ASSERT_TRUE(db->exec(fmt::format("CREATE TEMP TABLE copy_{0} AS SELECT * FROM {0} WHERE {1} = {2}", table, key, id), &error))
        << error;
  }
  const auto largest = [&](const char* sql) {
    wf::store::Statement& s = db->prepare(sql);
    const int64_t v = s.step() ? s.column_int64(0) : 0;
    s.reset();
    return v;
  };
  const int64_t first_instance = largest("SELECT MAX(id) FROM instances") + 1;
  const int64_t first_approval = largest("SELECT MAX(id) FROM approvals") + 1;
  for (int k = 0; k < copies; ++k) {
    const int64_t instance = first_instance + k, approval = first_approval + k;
    ASSERT_TRUE(db->exec(fmt::format("UPDATE copy_instances SET id = {0}; UPDATE copy_waits SET instance_id = {0}; "
                                     "UPDATE copy_steps SET instance_id = {0}; UPDATE copy_instance_log SET instance_id = {0}; "
                                     "UPDATE copy_approvals SET instance_id = {0}, id = {1};",
                                     instance, approval),
                         &error))
        << error;
    for (const char* table : {"instances", "waits", "steps", "instance_log", "approvals"})
      ASSERT_TRUE(db->exec(fmt::format("INSERT INTO {0} SELECT * FROM copy_{0}", table), &error)) << error;
  }
  ASSERT_TRUE(db->exec("COMMIT", &error)) << error;
}

TEST(Recovery, ListensAtOnceIsReadyOnceEveryParkedInstanceIsBackAndEachGoesOn) {
  constexpr int kCopies = 20000;
  const auto dir = make_temp_dir("wf-recovery");
  Service service(dir);
  const int port = std::stoi(service.url().substr(service.url().rfind(':') + 1));
  ASSERT_TRUE(service.start()) << service.log();
  auto api = service.admin();
  ASSERT_EQ(push(*api, "parked.wf", kParked), "parked");
  const int64_t original = start(*api, "parked", {{"params", {{"n", 41}}}});
  ASSERT_GT(original, 0);
  ASSERT_EQ(wait_status(*api, original, [](const json& d) { return d.value("status", "") == "paused"; })["status"], "paused");
  ASSERT_EQ(service.stop(), 0);
  clone_instance(dir / "data" / "wf.db", original, kCopies);

  // Listening: the first answers come while the instances are still being read back.
  ASSERT_TRUE(service.start(false)) << service.log();
  api = service.admin();
  auto first = api->get("/api/v1/ready");
  EXPECT_EQ(first.status, 503) << first.body;
  EXPECT_EQ(body_json(first), json({{"ready", false}})) << first.body;
  // A change meanwhile is refused, to be tried again; a read is answered from the store.
  const int64_t last = original + kCopies;
  auto approvals = body_json(api->get(fmt::format("/api/v1/approvals?instance={}", last)));
  ASSERT_EQ(approvals["items"].size(), 1u) << approvals.dump();
  const int64_t request = approvals["items"][0]["id"].get<int64_t>();
  const std::string body = R"({"decision": "approve"})";
  const std::string early = raw_answer(
      port, fmt::format("POST /api/v1/approvals/{}/respond HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        "Authorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                        request, service.admin_token(), body.size(), body));
  // Unless recovery ended in between (then the answer may be either), the change was refused.
  if (api->get("/api/v1/ready").status == 503) {
    EXPECT_EQ(early.rfind("HTTP/1.1 503", 0), 0u) << early;
    EXPECT_NE(early.find("\"recovering\""), std::string::npos) << early;
    std::string lower = early;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_NE(lower.find("\r\nretry-after: 1\r\n"), std::string::npos) << early;
  }
  EXPECT_TRUE(api->get("/api/v1/health").ok());  // alive all along

  ASSERT_TRUE(wait_until([&] { return api->get("/api/v1/ready").ok(); }, std::chrono::seconds(60))) << service.log();
  EXPECT_EQ(body_json(api->get("/api/v1/ready")), json({{"ready", true}}));
  const std::string metrics = api->get("/metrics").body;
  EXPECT_NE(metrics.find(fmt::format("wf_live_instances {}", kCopies + 1)), std::string::npos) << metrics;

  // Every instance came back where it was: the last copy and the original each go on when approved.
  for (int64_t id : {last, original}) {
    auto list = body_json(api->get(fmt::format("/api/v1/approvals?instance={}", id)));
    ASSERT_EQ(list["items"].size(), 1u) << list.dump();
    auto r = api->post(fmt::format("/api/v1/approvals/{}/respond", list["items"][0]["id"].get<int64_t>()), R"({"decision": "approve"})");
    ASSERT_EQ(r.status, 200) << r.body;
    json d = wait_ended(*api, id);
    EXPECT_EQ(d["status"], "completed") << d.dump();
    EXPECT_EQ(d["result"], 42) << d.dump();
  }
  EXPECT_EQ(service.stop(), 0);
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace

// A real `wf serve` whose data directory is on a small tmpfs that fills up: an answer it cannot
// store is 503 store_unavailable and changes nothing (not even in its memory; its audit row is
// said on stderr instead), reads go on, the same answer or a cancel is never refused as if it had
// happened, and once there is space again the answer goes through and the instance completes.
// Needs root to mount the tmpfs; skipped otherwise.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("wf-full-disk");
    data_ = dir_ / "data";
    std::filesystem::create_directories(data_);
    if (::mount("tmpfs", data_.c_str(), "tmpfs", 0, "size=16m,mode=0700") != 0) {
      const std::string why = std::strerror(errno);
      std::filesystem::remove_all(dir_);
      GTEST_SKIP() << "cannot mount a tmpfs for the data directory (" << why << "): a full disk is tested as root only";
    }
    mounted_ = true;
    service_ = std::make_unique<Service>(dir_);
    ASSERT_TRUE(service_->start()) << service_->log();
    api_ = service_->admin();
  }
  void TearDown() override {
    if (service_) service_->stop();
    if (mounted_) ::umount2(data_.c_str(), MNT_DETACH);
    std::error_code ec;
    if (!HasFailure()) std::filesystem::remove_all(dir_, ec);
  }

  // Writes a file until the file system has no room left; false if it never filled.
  bool fill() {
    std::ofstream out(data_ / "filler", std::ios::binary);
    const std::vector<char> block(64 * 1024, 'x');
    for (int i = 0; i < 16 * 32 && out; ++i) {
      out.write(block.data(), static_cast<std::streamsize>(block.size()));
      out.flush();
    }
    return !out;
  }
  void make_room() { std::filesystem::remove(data_ / "filler"); }

  wf::client::HttpResult respond(int64_t approval) {
    return api_->post("/api/v1/approvals/" + std::to_string(approval) + "/respond", R"({"decision":"approve"})");
  }

  std::filesystem::path dir_, data_;
  bool mounted_ = false;
  std::unique_ptr<Service> service_;
  std::unique_ptr<wf::client::HttpClient> api_;
};

TEST_F(FullDisk, AnAnswerNotStoredIs503AndCanBeGivenAgainOnceThereIsRoom) {
  const std::string name = push(*api_, "gate.wf", R"(
workflow gate() -> string {
  approve "Go ahead?"
  return "done"
}
)");
  ASSERT_FALSE(name.empty());
  const int64_t id = start(*api_, name, json::object());
  ASSERT_GT(id, 0);
  int64_t approval = 0;
  ASSERT_TRUE(wait_until([&] {
    auto list = body_json(api_->get("/api/v1/approvals?status=pending&instance=" + std::to_string(id)));
    if (list.value("items", json::array()).empty()) return false;
    approval = list["items"][0]["id"].get<int64_t>();
    return true;
  }));

  ASSERT_TRUE(fill()) << "the tmpfs never filled";
  auto r = respond(approval);
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(body_json(r)["error"]["code"], "store_unavailable") << r.body;
  // Reads go on, and show nothing of the answer.
  json d = instance(*api_, id);
  EXPECT_EQ(d.value("status", ""), "paused") << d.dump();
  auto a = api_->get("/api/v1/approvals/" + std::to_string(approval));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(body_json(a)["status"], "pending") << a.body;
  // Neither the same answer nor a cancel is refused as if it had happened.
  r = respond(approval);
  EXPECT_EQ(r.status, 503) << r.body;
  r = api_->post("/api/v1/instances/" + std::to_string(id) + "/cancel", "{}");
  EXPECT_EQ(r.status, 503) << r.body;
  // Their audit rows could not be stored either: said on stderr, the answers unchanged.
  EXPECT_TRUE(wait_until([&] { return service_->log().find("/approvals/{id}/respond, 503) was not stored") != std::string::npos; }))
      << service_->log();

  make_room();
  r = respond(approval);
  ASSERT_EQ(r.status, 200) << r.body;
  json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], "done");
  a = api_->get("/api/v1/approvals/" + std::to_string(approval));
  EXPECT_EQ(body_json(a)["responses"].size(), 1u) << a.body;
  EXPECT_TRUE(service_->running());
}

// Every write the full disk refuses says so the same way: a host's tags, a run that was to be
// waited for.
TEST_F(FullDisk, EveryRefusedWriteIs503StoreUnavailable) {
  wf::client::HttpClient anonymous(service_->url());
  auto registered = anonymous.post("/api/v1/agents/register",
                                   json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "web1"}}).dump());
  ASSERT_EQ(registered.status, 201) << registered.body;
  const std::string name = push(*api_, "quick.wf", "workflow quick() -> int {\n  return 1\n}\n");
  ASSERT_FALSE(name.empty());
  auto found = body_json(api_->get("/api/v1/definitions"));
  ASSERT_FALSE(found.value("items", json::array()).empty()) << found.dump();
  const int64_t definition = found["items"][0]["id"].get<int64_t>();

  ASSERT_TRUE(fill()) << "the tmpfs never filled";
  auto r = api_->request("PATCH", "/api/v1/hosts/web1", R"({"add_tags":["db"]})");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(body_json(r)["error"]["code"], "store_unavailable") << r.body;
  r = api_->post("/api/v1/definitions/" + std::to_string(definition) + "/run?wait=5s", "{}");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(body_json(r)["error"]["code"], "store_unavailable") << r.body;
  make_room();
  r = api_->request("PATCH", "/api/v1/hosts/web1", R"({"add_tags":["db"]})");
  EXPECT_EQ(r.status, 200) << r.body;
}

}  // namespace

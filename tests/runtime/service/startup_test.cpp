// What `wf serve` does about its data directory at start and while it runs: one service per
// directory (a lock), files readable by the service's user only, the first start's bootstrap only
// on a directory without keys, and no change accepted once the database file was deleted or
// replaced under the running service.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

constexpr const char* kWorkflow = R"(@trigger(manual)
workflow hello() -> int {
  return 1
}
)";

constexpr const char* kOther = R"(@trigger(manual)
workflow other() -> int {
  return 2
}
)";

class Startup : public ::testing::Test {
 protected:
  void SetUp() override {
    // The umask a service is commonly started with; the service must not depend on it.
    previous_umask_ = ::umask(022);
    dir_ = make_temp_dir("wf-startup");
    service_ = std::make_unique<Service>(dir_);
  }
  void TearDown() override {
    if (service_) service_->stop();
    ::umask(previous_umask_);
    std::error_code ec;
    if (!HasFailure()) std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path data() const { return dir_ / "data"; }

  // Runs `wf serve` with `args` (after --data DATA --listen on a port of its own) until it exits
  // by itself; its exit code (-1 while it still runs after the wait), its output in `log`.
  int run_to_exit(const std::vector<std::string>& args, const std::string& log_name, std::string& log) {
    std::vector<std::string> all = {"serve", "--data", data().string(), "--listen", "127.0.0.1:" + std::to_string(free_port())};
    all.insert(all.end(), args.begin(), args.end());
    Process p;
    if (!p.spawn(all, dir_ / log_name)) return -1;
    const bool exited = wait_until([&] { return !p.running(); }, std::chrono::seconds(10));
    const int status = p.terminate();
    std::ifstream in(dir_ / log_name);
    log.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  static int mode_of(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return -1;
    return static_cast<int>(st.st_mode & 0777);
  }

  void remove_database() {
    for (const char* name : {"wf.db", "wf.db-wal", "wf.db-shm"}) std::filesystem::remove(data() / name);
  }

  // A write through the API after the database is gone: refused with an error body, never 201.
  void expect_write_refused(wf::client::HttpClient& api) {
    auto r = api.post("/api/v1/definitions", json({{"source", kOther}, {"file", "other.wf"}}).dump());
    EXPECT_GE(r.status, 500) << r.body;
    EXPECT_LT(r.status, 600) << r.body;
    const json body = body_json(r);
    ASSERT_TRUE(body.contains("error")) << r.body;
    EXPECT_NE(r.body.find("database file"), std::string::npos) << r.body;
  }

  mode_t previous_umask_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<Service> service_;
};

TEST_F(Startup, SecondServiceOnOneDataDirectoryIsRefused) {
  ASSERT_TRUE(service_->start()) << service_->log();
  const std::string holder = read_first_line(data() / "lock");
  ASSERT_FALSE(holder.empty());
  EXPECT_EQ(holder.find_first_not_of("0123456789"), std::string::npos) << holder;

  std::string log;
  EXPECT_EQ(run_to_exit({}, "second.log", log), 2) << log;
  EXPECT_NE(log.find("data directory in use by pid " + holder), std::string::npos) << log;

  // The first one goes on, its store untouched.
  auto api = service_->admin();
  EXPECT_EQ(api->get("/api/v1/health").status, 200);
  EXPECT_FALSE(push(*api, "hello.wf", kWorkflow).empty());
  EXPECT_EQ(api->get("/api/v1/definitions").status, 200);

  // Once it has stopped, the directory is free again (the lock dies with its holder).
  EXPECT_EQ(service_->stop(), 0);
  ASSERT_TRUE(service_->start()) << service_->log();
}

TEST_F(Startup, FilesAreReadableByTheServiceUserOnly) {
  ASSERT_TRUE(service_->start()) << service_->log();
  auto api = service_->admin();
  ASSERT_FALSE(push(*api, "hello.wf", kWorkflow).empty());
  for (const char* name : {"wf.db", "wf.db-wal", "wf.db-shm", "lock", "admin.token", "enroll.secret", "vault.key"})
    EXPECT_EQ(mode_of(data() / name), 0600) << name;
  EXPECT_EQ(mode_of(data()), 0700);
}

TEST_F(Startup, StoreOutsideTheDataDirectoryIsWarnedOf) {
  const std::filesystem::path elsewhere = dir_ / "elsewhere";
  std::filesystem::create_directories(elsewhere);
  Process p;
  const int port = free_port();
  ASSERT_TRUE(p.spawn({"serve", "--data", data().string(), "--listen", "127.0.0.1:" + std::to_string(port), "--store",
                       "sqlite:" + (elsewhere / "store.db").string()},
                      dir_ / "outside.log"));
  wf::client::HttpClient probe("http://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(wait_until([&] { return !p.running() || probe.get("/api/v1/health", 1000).ok(); }) && p.running());
  EXPECT_EQ(mode_of(elsewhere / "store.db"), 0600);
  p.terminate();
  std::ifstream in(dir_ / "outside.log");
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("warning: the store " + (elsewhere / "store.db").string() + " is outside the data directory"),
            std::string::npos)
      << log;
}

TEST_F(Startup, FirstStartBootstrapsAnEmptyDirectoryOnly) {
  ASSERT_TRUE(service_->start()) << service_->log();
  const std::string token = service_->admin_token();
  const std::string secret = service_->enroll_secret();
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(service_->stop(), 0);

  // The database gone, the keys of its first start still there: refused, nothing made anew.
  remove_database();
  std::string log;
  EXPECT_EQ(run_to_exit({}, "missing.log", log), 2) << log;
  EXPECT_NE(log.find("is missing"), std::string::npos) << log;
  EXPECT_NE(log.find("move " + data().string() + " away"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(data() / "wf.db"));
  EXPECT_EQ(service_->admin_token(), token);
  EXPECT_EQ(service_->enroll_secret(), secret);

  // A database without an organization (an empty file, say) beside the keys: refused too.
  { std::ofstream empty(data() / "wf.db"); }
  EXPECT_EQ(run_to_exit({}, "empty.log", log), 2) << log;
  EXPECT_NE(log.find("holds no organization"), std::string::npos) << log;
  EXPECT_EQ(service_->admin_token(), token);
  EXPECT_EQ(service_->enroll_secret(), secret);

  // Moved away, the directory starts fresh.
  std::filesystem::rename(data(), dir_ / "old-data");
  ASSERT_TRUE(service_->start()) << service_->log();
  EXPECT_NE(service_->admin_token(), token);
  EXPECT_EQ(service_->admin()->get("/api/v1/definitions").status, 200);
}

TEST_F(Startup, DeletedDatabaseRefusesWrites) {
  ASSERT_TRUE(service_->start()) << service_->log();
  auto api = service_->admin();
  ASSERT_FALSE(push(*api, "hello.wf", kWorkflow).empty());

  remove_database();
  expect_write_refused(*api);
  expect_write_refused(*api);  // for good, not only the first time
  EXPECT_EQ(api->get("/api/v1/health").status, 200);
  EXPECT_TRUE(service_->running());
  EXPECT_NE(service_->log().find("ERROR: the database file " + (data() / "wf.db").string() + " is gone"), std::string::npos)
      << service_->log();
}

TEST_F(Startup, ReplacedDatabaseRefusesWrites) {
  ASSERT_TRUE(service_->start()) << service_->log();
  auto api = service_->admin();
  ASSERT_FALSE(push(*api, "hello.wf", kWorkflow).empty());

  // Another file at the database's path (a restored copy, say): the service writes to neither.
  std::filesystem::copy_file(data() / "wf.db", data() / "wf.db.copy");
  std::filesystem::rename(data() / "wf.db.copy", data() / "wf.db");
  expect_write_refused(*api);
  EXPECT_EQ(api->get("/api/v1/health").status, 200);
  EXPECT_NE(service_->log().find("was replaced by another file"), std::string::npos) << service_->log();
}

}  // namespace

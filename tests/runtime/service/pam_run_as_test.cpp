// Real run-as (SPEC §1.8, §4.7): a job run `as` a credential of type `local_user` runs as that
// operating-system account — its uid, groups, HOME, USER and LOGNAME — switched to by the agent's
// executor; an account the host does not have is refused with `permission`. The account is made
// by the test with useradd (home in a temporary directory) and removed afterwards, so the test
// needs root; it says so and skips otherwise.
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

class PamRunAs : public ServiceTest {
 protected:
  PamRunAs() : ServiceTest("wf-pam-run-as") {}
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "a local_user job is run as another account only by a root agent; this test does not run as root";
    ServiceTest::SetUp();
    user_ = "wfpam" + std::to_string(::getpid() % 100000);
    const auto [rc, out] = run_shell("useradd -m -d '" + (dir_ / "home").string() + "' -s /bin/bash " + user_ + " 2>&1");
    ASSERT_EQ(rc, 0) << out;
    made_ = true;
    // The agent's state and the job's files are in the service's directory; the account must be
    // able to write the job's output there.
    ::chmod(dir_.c_str(), 0755);
    agent("web1");
  }
  void TearDown() override {
    ServiceTest::TearDown();
    if (made_) run_shell("userdel " + user_ + " 2>&1");
  }
  // The job's detail once the instance running `command` as `identity` has ended.
  json job_of(const std::string& identity, const std::string& command) {
    const std::string source = "workflow as_user(targets: hosts) -> string {\n  checkout cred = pam \"" + identity +
                               "\" reason \"test\" ttl 5m {\n    run command \"" + command + "\" on targets as cred\n  }\n  return \"ok\"\n}\n";
    EXPECT_EQ(push(*api_, "as_user.wf", source), "as_user");
    const int64_t id = start(*api_, "as_user", {{"hosts", {"web1"}}});
    wait_ended(*api_, id);
    auto jobs = body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id)))["items"];
    EXPECT_EQ(jobs.size(), 1u) << jobs.dump();
    return jobs.empty() ? json() : body_json(api_->get("/api/v1/jobs/" + std::to_string(jobs[0]["id"].get<int64_t>())));
  }
  std::string user_;
  bool made_ = false;
};

TEST_F(PamRunAs, ALocalUserJobRunsAsThatAccount) {
  ASSERT_EQ(api_->post("/api/v1/vault/identities",
                       json({{"name", "svc"}, {"username", user_}, {"secret", "unused-pass-1"}, {"credential_type", "local_user"}}).dump())
                .status,
            201);
  const auto [rc, uid] = run_shell("id -u " + user_);
  ASSERT_EQ(rc, 0);
  const json job = job_of("svc", "id -u; echo home=$HOME; echo user=$USER/$LOGNAME; id -G");
  ASSERT_EQ(job.value("status", ""), "completed") << job.dump();
  const std::string out = job.value("stdout", "");
  EXPECT_EQ(out.substr(0, out.find('\n') + 1), uid) << out;
  EXPECT_NE(out.find("home=" + (dir_ / "home").string()), std::string::npos) << out;
  EXPECT_NE(out.find("user=" + user_ + "/" + user_), std::string::npos) << out;
  // Its groups are the account's own, not root's.
  EXPECT_EQ(out.find(" 0\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("\n0\n"), std::string::npos) << out;
}

TEST_F(PamRunAs, AnAccountTheHostDoesNotHaveIsRefusedWithPermission) {
  ASSERT_EQ(api_->post("/api/v1/vault/identities",
                       json({{"name", "ghost"}, {"username", "wf-no-such-user"}, {"secret", "x-unused-2"}, {"credential_type", "local_user"}}).dump())
                .status,
            201);
  const json job = job_of("ghost", "id -u");
  EXPECT_EQ(job.value("status", ""), "config") << job.dump();
  EXPECT_NE(job.value("error", "").find("permission: user `wf-no-such-user` does not exist"), std::string::npos) << job.dump();
}

}  // namespace
}  // namespace wf::testing

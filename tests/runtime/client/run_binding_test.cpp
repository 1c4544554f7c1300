// How `wf run` and `wf simulate` start a workflow: `--hosts` binds only a workflow's one `hosts`
// parameter (with several, each is named by `--param NAME=a,b`, and `--hosts` is a usage error
// naming them), and a local run ends at its `@timeout` as the service's would.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "wf_command.h"

namespace {

using wf::test::WfRun;
using wf::test::wf;

class RunBinding : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "wf-run-binding-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& source) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << source;
    return path.string();
  }
  std::filesystem::path dir_;
};

constexpr const char* kTwoHostParameters = R"(
workflow maintain(app: hosts, db: hosts) -> list<list<string>> {
  return [hostnames(app), hostnames(db)]
}
)";

constexpr const char* kOneHostParameter = R"(
workflow restart(targets: hosts) -> list<string> {
  return hostnames(targets)
}
)";

TEST_F(RunBinding, HostsIsAUsageErrorNamingTheParametersWhenThereAreSeveral) {
  const std::string file = write("maintain.wf", kTwoHostParameters);
  for (const std::string command : {"run --approve yes", "simulate"}) {
    const WfRun r = wf(command + " " + file + " --hosts db1");
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.output;
    EXPECT_NE(r.output.find("--hosts is ambiguous"), std::string::npos) << command << "\n" << r.output;
    EXPECT_NE(r.output.find("(app, db)"), std::string::npos) << command << "\n" << r.output;
    EXPECT_NE(r.output.find("--param app=a,b --param db=a,b"), std::string::npos) << command << "\n" << r.output;
  }
}

TEST_F(RunBinding, EachHostsParameterIsNamedByParam) {
  const std::string file = write("maintain.wf", kTwoHostParameters);
  WfRun r = wf("run " + file + " --param app=web1,web2 --param db=db1 --approve yes");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(R"([["web1","web2"],["db1"]])"), std::string::npos) << r.output;
  r = wf("simulate " + file + " --param 'app= web1, web2' --param db=db1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(R"([["web1","web2"],["db1"]])"), std::string::npos) << r.output;
  // A group is a name only the service knows.
  r = wf("run " + file + " --param app=@web --param db=db1 --approve yes");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("`@web`: host groups exist only in the service"), std::string::npos) << r.output;
  // A parameter left without hosts says how to give them.
  r = wf("run " + file + " --param app=web1 --approve yes");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("`db` needs hosts: pass --param db=a,b"), std::string::npos) << r.output;
}

TEST_F(RunBinding, HostsBindsTheOneHostsParameter) {
  const std::string one = write("restart.wf", kOneHostParameter);
  WfRun r = wf("run " + one + " --hosts 'web1, web2' --approve yes");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(R"(["web1","web2"])"), std::string::npos) << r.output;
  // Named twice is a mistake, and so are hosts for a workflow that takes none.
  r = wf("run " + one + " --hosts web1 --param targets=web2 --approve yes");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("`targets` is given its hosts twice"), std::string::npos) << r.output;
  const std::string none = write("hostless.wf", "workflow hostless() -> int {\n  return 1\n}\n");
  r = wf("run " + none + " --hosts web1 --approve yes");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--hosts: workflow `hostless` has no `hosts` parameter"), std::string::npos) << r.output;
}

TEST_F(RunBinding, ALocalRunEndsAtItsTimeoutAsTheServiceDoes) {
  const std::string sleeper = write("slow.wf", "@timeout(1s)\nworkflow slow() {\n  sleep 5s\n}\n");
  WfRun r = wf("run " + sleeper + " --approve yes");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("timeout: the workflow's @timeout expired"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 3.5) << r.output;
  // A job that outlives the workflow's time is stopped with it.
  const std::string job = write("job.wf", "@timeout(1s)\nworkflow job() {\n  run command \"sleep 5\" on [localhost()]\n}\n");
  r = wf("run " + job + " --approve yes");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("timeout: the workflow's @timeout expired"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 3.5) << r.output;
  // Within its time, a run completes as before.
  const std::string quick = write("quick.wf", "@timeout(10s)\nworkflow quick() -> int {\n  sleep 100ms\n  return 7\n}\n");
  r = wf("run " + quick + " --approve yes");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("7"), std::string::npos) << r.output;
}

}  // namespace

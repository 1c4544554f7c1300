// A step's `timeout` in `wf run`: the effect the step waits on ends with a `timeout` error once the
// step's time is up (its job stopped), the step's `retry` gives each attempt a fresh timeout, and a
// `try/catch` around the step catches it while `finally` still runs.
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

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

class StepTimeoutRun : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "wf-step-timeout-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  WfRun run(const std::string& source) {
    const std::filesystem::path path = dir_ / "w.wf";
    std::ofstream(path) << source;
    return wf("run " + path.string() + " --approve yes");
  }
  std::filesystem::path dir_;
};

TEST_F(StepTimeoutRun, AJobOutlivingItsStepEndsWithTimeout) {
  const WfRun r = run("workflow w() {\n  step \"S\" timeout 1s {\n    run command \"sleep 5\" on [localhost()]\n  }\n}\n");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("timeout: step \"S\" timed out after 1s"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 3.5) << r.output;
}

TEST_F(StepTimeoutRun, EachRetryHasAFreshTimeout) {
  const WfRun r = run("workflow w() {\n  step \"S\" retry 1 timeout 1s {\n    log \"attempt\"\n    run command \"sleep 5\" on [localhost()]\n  }\n}\n");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_EQ(count(r.output, "log: attempt"), 2u) << r.output;
  EXPECT_EQ(count(r.output, "step \"S\" failed"), 2u) << r.output;
  EXPECT_NE(r.output.find("timeout: step \"S\" timed out after 1s"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 4.5) << r.output;
}

TEST_F(StepTimeoutRun, ATryAroundTheStepCatchesItAndFinallyRuns) {
  const WfRun r = run(
      "workflow w() -> string {\n"
      "  try {\n"
      "    step \"S\" timeout 1s {\n"
      "      try { sleep 5s } finally { log \"inner finally\" }\n"
      "    }\n"
      "  } catch e {\n"
      "    return e.kind + \"/\" + e.message\n"
      "  }\n"
      "  return \"not timed out\"\n"
      "}\n");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("timeout/step \\\"S\\\" timed out after 1s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("log: inner finally"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 3.5) << r.output;
}

TEST_F(StepTimeoutRun, AStepWithinItsTimeCompletes) {
  const WfRun r = run("workflow w() -> int {\n  step \"S\" timeout 5s {\n    sleep 100ms\n    run command \"true\" on [localhost()]\n  }\n  return 7\n}\n");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("7"), std::string::npos) << r.output;
}

TEST_F(StepTimeoutRun, AParallelBranchInsideTheStepIsBoundToo) {
  const WfRun r = run(
      "workflow w() {\n"
      "  step \"S\" timeout 1s {\n"
      "    parallel {\n"
      "      branch \"a\" { sleep 5s }\n"
      "      branch \"b\" { run command \"sleep 5\" on [localhost()] }\n"
      "    }\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("step \"S\" timed out"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 3.5) << r.output;
}

}  // namespace

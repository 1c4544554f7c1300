// `pagerduty(name)` end to end through the `wf` binary: `wf check` accepts a workflow that
// notifies it, `wf run` prints what that notify would send, and a wrong argument is a type error.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code = -1;
  std::string out, err;
};

class PagerDutyChannel : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wf_pagerduty_test_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  // Runs `wf ARGS` in the temporary directory, stdout and stderr apart.
  Outcome wf(const std::string& args) {
    const fs::path err_path = dir_ / "stderr.txt";
    const std::string command = "cd '" + dir_.string() + "' && '" WF_BINARY "' " + args + " 2>'" + err_path.string() + "'";
    Outcome outcome;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return outcome;
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) outcome.out.append(buffer, n);
    const int status = pclose(pipe);
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::stringstream err;
    err << std::ifstream(err_path).rdbuf();
    outcome.err = err.str();
    return outcome;
  }

  fs::path dir_;
};

TEST_F(PagerDutyChannel, CompilesAndRunPrintsWhatTheNotifyWouldSend) {
  write("page.wf", R"(
workflow page(service: string) -> string {
  notify "{{service}} is down" to pagerduty("oncall")
  return "paged"
}
)");
  const Outcome check = wf("check page.wf");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  const Outcome run = wf("run page.wf --param service=db --fast");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.err.find("notify pagerduty:oncall: db is down"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("paged"), std::string::npos) << run.out;
}

TEST_F(PagerDutyChannel, ANonStringNameIsATypeError) {
  write("bad.wf", R"(
workflow bad() {
  notify "x" to pagerduty(5)
}
)");
  const Outcome check = wf("check bad.wf");
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_NE((check.out + check.err).find("error[E0"), std::string::npos) << check.out << check.err;
}

}  // namespace

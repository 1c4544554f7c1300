// A test fixture that runs the `wf` binary in a temporary directory of its own, with files the test
// writes there, and captures its exit code, stdout and stderr apart.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace wf::testing {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class WfInDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("wf_cli_test_" + std::to_string(getpid()) + "_" + test->test_suite_name() + "_" + test->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }

  // Runs `wf ARGS` in the temporary directory; stdout and stderr are captured apart.
  Outcome wf(const std::string& args) {
    const std::filesystem::path err_path = dir_ / "stderr.txt";
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

  std::filesystem::path dir_;
};

}  // namespace wf::testing

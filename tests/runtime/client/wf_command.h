// Running the `wf` binary of this build (WF_BINARY) with arguments, as an operator's shell would,
// for the tests of its commands: its exit code, what it printed and how long it took.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>

namespace wf::test {

struct WfRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
  double seconds = 0;
};

// `args` are written as on a shell's command line (quote what needs it).
inline WfRun wf(const std::string& args) {
  WfRun r;
  const auto begin = std::chrono::steady_clock::now();
  const std::string command = std::string("'") + WF_BINARY + "' " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  return r;
}

}  // namespace wf::test

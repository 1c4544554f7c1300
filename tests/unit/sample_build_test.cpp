// Every sample compiles to a module that verifies and survives encoding (SPEC §2), and the
// samples that need no outside service run to completion with `wf run --approve yes --fast`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "bytecode/module_codec.h"
#include "bytecode/verifier.h"
#include "lower/compile.h"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> samples() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(WF_SOURCE_DIR) / "samples"))
    if (e.path().extension() == ".wf") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class SampleBuild : public ::testing::TestWithParam<std::string> {};

TEST_P(SampleBuild, CompilesVerifiesAndRoundTrips) {
  wf::CompileResult r = wf::compile_file((fs::path(WF_SOURCE_DIR) / "samples" / GetParam()).string());
  ASSERT_TRUE(r.module) << r.error;
  EXPECT_FALSE(wf::bytecode::verify_module(*r.module).has_value());
  const std::vector<uint8_t> bytes = wf::bytecode::encode_module(*r.module);
  wf::bytecode::DecodeResult back = wf::bytecode::decode_module(bytes);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(back.module() == *r.module);
  EXPECT_EQ(wf::bytecode::module_hash(bytes).size(), 64u);
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleBuild, ::testing::ValuesIn(samples()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.substr(0, info.param.size() - 3);
                         });

struct Ran {
  int exit_code;
  std::string out;
};

Ran wf_run(const std::string& args) {
  const std::string command = std::string(WF_BINARY) + " run " + args + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe.release());
  return {WEXITSTATUS(status), out};
}

// The other samples change hosts (restart services, install packages, create users, delete old
// logs) or need services outside this machine (a database, TLS endpoints, remote hosts); they are
// simulated instead (simulate_test.cpp).
TEST(SampleRun, HealthReportRunsEndToEnd) {
  const Ran r = wf_run(std::string(WF_SOURCE_DIR) + "/samples/health_report.wf --hosts web1,web2 --approve yes --fast");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["checked"], 2);
  EXPECT_TRUE(j["over_limit"].is_array());
}

TEST(SampleRun, UptimeReportRunsEndToEnd) {
  const Ran r = wf_run(std::string(WF_SOURCE_DIR) + "/samples/uptime_report.wf --hosts web1 --param max_days=0 --fast");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // This machine has been up for more than 0 days only after a day; either way it is a list.
  EXPECT_TRUE(nlohmann::json::parse(r.out).is_array());
}

}  // namespace

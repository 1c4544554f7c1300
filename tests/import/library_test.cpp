// The import library in-process (import/import.h): graphs too large or too deep to write by hand
// for the corpus. A long sequence stays structured and flat; branches nested deeper than a reader
// can follow become the state-machine loop, which checks however many steps it has; parallel
// steps nested too deep are refused naming the step; a script id is never a path.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "import/import.h"

namespace {

using json = nlohmann::json;

json command(const std::string& id, const json& next) {
  return {{"id", id}, {"type", "command"}, {"config", {{"command", fmt::format("echo {}", id)}}}, {"on_success", next}};
}

TEST(ImportLibrary, ALongSequenceIsStructuredAndChecks) {
  json steps = json::array();
  for (int i = 0; i < 2000; ++i) steps.push_back(command(fmt::format("s{}", i), i < 1999 ? json(fmt::format("s{}", i + 1)) : json()));
  const auto r = wf::legacy::import_legacy(json{{"name", "long"}, {"steps", steps}}.dump());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.structured);
  EXPECT_NE(r.source.find("step \"s1999\""), std::string::npos);
}

TEST(ImportLibrary, BranchesNestedTooDeepBecomeTheLoopAndCheck) {
  // Each conditional's true way leads to the next, its false way ends: 1500 nested ifs.
  json steps = json::array();
  for (int i = 0; i < 1500; ++i)
    steps.push_back({{"id", fmt::format("c{}", i)},
                     {"type", "conditional"},
                     {"config", {{"condition", "1 == 1"}, {"on_true", i < 1499 ? json(fmt::format("c{}", i + 1)) : json()}, {"on_false", nullptr}}}});
  const auto r = wf::legacy::import_legacy(json{{"name", "deep"}, {"steps", steps}}.dump());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.structured);
}

TEST(ImportLibrary, ParallelNestedTooDeepIsRefusedNamingTheStep) {
  json inner = command("leaf", nullptr);
  for (int i = 0; i < 12; ++i) inner = {{"id", fmt::format("p{}", i)}, {"type", "parallel"}, {"config", {{"branches", json::array({json::array({inner})})}}}};
  const auto r = wf::legacy::import_legacy(json{{"name", "nest"}, {"steps", json::array({inner})}}.dump());
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("parallel steps are nested more than 8 deep"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.rfind("step \"p", 0), 0u) << r.error;
}

TEST(ImportLibrary, AScriptIdIsNeverAPath) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "wf-import-library-test";
  std::filesystem::create_directories(dir / "scripts");
  std::ofstream(dir / "outside.json") << R"({"name": "outside", "language": "bash", "content": "echo read"})";
  json step = {{"id", "s"}, {"type", "script"}, {"script_id", "../outside"}};
  const auto r = wf::legacy::import_legacy(json{{"name", "w"}, {"steps", json::array({step})}}.dump(), {(dir / "scripts").string(), true});
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.source.find("echo read"), std::string::npos) << r.source;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("legacy script ../outside was not imported"), std::string::npos) << r.warnings[0];
}

TEST(ImportLibrary, TheSourceIsFormattedAndTheWarningsNameTheStep) {
  json steps = json::array({command("a", nullptr), command("lost", "a")});
  const auto r = wf::legacy::import_legacy(json{{"name", "w"}, {"steps", steps}}.dump());
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "step \"lost\" is unreachable from the first step \"a\"; it is not imported");
  EXPECT_EQ(r.source.find("lost"), std::string::npos);
}

}  // namespace

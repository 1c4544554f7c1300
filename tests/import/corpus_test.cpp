// The corpus of legacy graphs (tests/import/cases): each NAME.json is imported with the real
// `wf import`, and its NAME.expect.json says what must come of it. Either
//   {"error": "...", "note"?: "..."}: the import fails (exit 2) with an error containing the text;
// or
//   {"structured"?: bool, "warnings"?: ["..."], "scripts"?: true, "contains"?: ["..."],
//    "runs": [{"mock"?: {...}, "reject"?: bool, "params"?: {k: v}, "order": [ids], "status"?: s}]}:
// the source is written, already formatted (`wf fmt --check`), passes `wf check`, and simulating
// it with each run's mock starts the legacy steps in `order` and ends with `status` (completed
// by default). The order counts `step_started` events of legacy step ids only, not parallel
// branches.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kCases = fs::path(WF_SOURCE_DIR) / "tests" / "import" / "cases";
const fs::path kScripts = fs::path(WF_SOURCE_DIR) / "tests" / "import" / "scripts";

struct Cli {
  int exit_code = -1;
  std::string out, err;
};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `wf ARGS` (already quoted), stdout and stderr apart.
Cli wf(const std::string& args, const fs::path& scratch) {
  const fs::path err = scratch / "stderr.txt";
  const std::string command = "'" WF_BINARY "' " + args + " 2>" + quote(err.string());
  Cli r;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read(err);
  return r;
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kCases, ec)) {
    const std::string file = e.path().filename().string();
    if (file.ends_with(".json") && !file.ends_with(".expect.json")) names.push_back(file.substr(0, file.size() - 5));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Every step id of a legacy graph, parallel branches' steps included.
void collect_ids(const json& steps, std::set<std::string>& ids) {
  if (!steps.is_array()) return;
  for (const json& s : steps) {
    if (!s.is_object()) continue;
    if (s.contains("id") && s["id"].is_string()) ids.insert(s["id"].get<std::string>());
    const json* branches = nullptr;
    if (s.contains("config") && s["config"].is_object() && s["config"].contains("branches")) branches = &s["config"]["branches"];
    if (s.contains("branches")) branches = &s["branches"];
    if (branches && branches->is_array())
      for (const json& b : *branches) collect_ids(b, ids);
  }
}

class Corpus : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/wf-import-corpus-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    ASSERT_NE(made, nullptr);
    scratch_ = made;
  }
  void TearDown() override {
    std::error_code ec;
    if (!HasFailure()) fs::remove_all(scratch_, ec);
  }
  fs::path scratch_;
};

TEST_P(Corpus, ImportsAndSimulatesInGraphOrder) {
  const std::string name = GetParam();
  const fs::path legacy = kCases / (name + ".json");
  const json expect = json::parse(read(kCases / (name + ".expect.json")));
  const fs::path out = scratch_ / (name + ".wf");
  std::string args = "import " + quote(legacy.string()) + " -o " + quote(out.string());
  if (expect.value("scripts", false)) args += " --scripts " + quote(kScripts.string());
  const Cli imported = wf(args, scratch_);

  if (expect.contains("error")) {
    EXPECT_EQ(imported.exit_code, 2) << imported.err;
    EXPECT_NE(imported.err.find(expect["error"].get<std::string>()), std::string::npos) << imported.err;
    if (expect.contains("note")) {
      EXPECT_NE(imported.err.find(expect["note"].get<std::string>()), std::string::npos) << imported.err;
    }
    EXPECT_FALSE(fs::exists(out));
    return;
  }
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const std::string source = read(out);
  for (const json& w : expect.value("warnings", json::array()))
    EXPECT_NE(imported.err.find("warning: " + w.get<std::string>()), std::string::npos) << imported.err;
  if (!expect.contains("warnings")) {
    EXPECT_EQ(imported.err.find("warning:"), std::string::npos) << imported.err;
  }
  // A structured graph has no state-machine loop; any other graph is one.
  const bool state_machine = source.find("while next_step != \"\"") != std::string::npos;
  EXPECT_EQ(state_machine, !expect.value("structured", true)) << source;
  for (const json& c : expect.value("contains", json::array()))
    EXPECT_NE(source.find(c.get<std::string>()), std::string::npos) << "missing `" << c.get<std::string>() << "` in\n" << source;

  const Cli formatted = wf("fmt --check " + quote(out.string()), scratch_);
  EXPECT_EQ(formatted.exit_code, 0) << "not formatted:\n" << source << formatted.err;
  const Cli checked = wf("check " + quote(out.string()), scratch_);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err << source;

  std::set<std::string> ids;
  collect_ids(json::parse(read(legacy))["steps"], ids);
  int index = 0;
  for (const json& run : expect.at("runs")) {
    ++index;
    std::string sim = "simulate " + quote(out.string()) + " --hosts web1,web2 --format json";
    if (run.contains("mock")) {
      const fs::path mock = scratch_ / ("mock" + std::to_string(index) + ".json");
      std::ofstream(mock) << run["mock"].dump();
      sim += " --mock " + quote(mock.string());
    }
    if (run.value("reject", false)) sim += " --reject";
    const json params = run.value("params", json::object());
    for (const auto& [k, v] : params.items())
      sim += " --param " + quote(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
    const Cli simulated = wf(sim, scratch_);
    json report = json::parse(simulated.out, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << "run " << index << ": " << simulated.out << simulated.err << source;
    std::vector<std::string> order;
    for (const json& e : report["events"])
      if (e.value("event", "") == "step_started" && ids.count(e.value("step", ""))) order.push_back(e["step"].get<std::string>());
    EXPECT_EQ(order, run.at("order").get<std::vector<std::string>>()) << "run " << index << " of " << name << "\n" << source;
    EXPECT_EQ(report.value("status", ""), run.value("status", "completed"))
        << "run " << index << " of " << name << ": " << report.value("error", json()).dump() << "\n" << source;
  }
}

INSTANTIATE_TEST_SUITE_P(LegacyGraphs, Corpus, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The corpus is as large as SPEC §9's tests ask: at least 25 graphs that import.
TEST(CorpusSize, AtLeastTwentyFiveGraphsImport) {
  int importing = 0;
  for (const std::string& name : case_names())
    if (!json::parse(read(kCases / (name + ".expect.json"))).contains("error")) ++importing;
  EXPECT_GE(importing, 25);
}

}  // namespace

// The data-driven language tests: every tests/lang/**/*.wf file (outside `_modules` folders) is
// checked, and its diagnostics must equal the expectations written in its comments:
//   `// error[E0200]` on a line expects that diagnostic starting on that line;
//   `// warning[W0001]@12` expects it on line 12 (for lines where a comment cannot go).
// A file without expectations must check clean. Diagnostics in imported modules count too.
// A file with a `// expect:` or `// expect-error:` directive is a run case (tests/support/
// run_case.h): once its diagnostics matched, and provided it has no errors, it is also compiled
// and run in-process, and the outcome must be what the directives say — both when it runs
// straight through and when the machine is saved and restored from its continuation at every
// effect.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "driver/compilation.h"
#include "support/run_case.h"

namespace {

namespace fs = std::filesystem;

struct Expected {
  std::string severity, code, file;
  uint32_t line;
  bool operator<(const Expected& o) const {
    return std::tie(file, line, code, severity) < std::tie(o.file, o.line, o.code, o.severity);
  }
  bool operator==(const Expected& o) const {
    return file == o.file && line == o.line && code == o.code && severity == o.severity;
  }
};

// How GoogleTest prints an Expected in a failed comparison.
void PrintTo(const Expected& e, std::ostream* os) { *os << e.file << ":" << e.line << ": " << e.severity << "[" << e.code << "]"; }

std::string show(const std::vector<Expected>& v) {
  std::string out;
  for (const auto& e : v) out += "  " + e.file + ":" + std::to_string(e.line) + ": " + e.severity + "[" + e.code + "]\n";
  return out.empty() ? "  (none)\n" : out;
}

std::vector<std::string> case_files() {
  std::vector<std::string> out;
  const fs::path root = fs::path(WF_SOURCE_DIR) / "tests" / "lang";
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == "_modules") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".wf") out.push_back(fs::relative(it->path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class LangTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LangTest, DiagnosticsMatchExpectations) {
  const fs::path path = fs::path(WF_SOURCE_DIR) / "tests" / "lang" / GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  const std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream lines(source);
  std::vector<Expected> expected;
  static const std::regex kExpect(R"((error|warning)\[([EW]\d{4})\](?:@(\d+))?)");
  std::string line;
  uint32_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const size_t comment = line.find("//");
    if (comment == std::string::npos) continue;
    const std::string text = line.substr(comment);
    for (std::sregex_iterator m(text.begin(), text.end(), kExpect), end; m != end; ++m) {
      const uint32_t at = (*m)[3].matched ? static_cast<uint32_t>(std::stoul((*m)[3].str())) : number;
      expected.push_back({(*m)[1].str(), (*m)[2].str(), path.filename().string(), at});
    }
  }

  wf::Compilation compilation;
  ASSERT_TRUE(compilation.check_file(path.string()));
  std::vector<Expected> actual;
  std::string details;
  for (const wf::Diagnostic& d : compilation.diagnostics().all()) {
    const wf::SourceFile& f = compilation.file(d.where.file);
    const auto pos = f.position(d.where.range.begin);
    actual.push_back({std::string(wf::severity_name(d.severity)), std::string(wf::info(d.code).code),
                      fs::path(f.path()).filename().string(), pos.line});
    details += "  " + f.path() + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " +
               std::string(wf::info(d.code).code) + " " + d.message + "\n";
  }
  std::sort(expected.begin(), expected.end());
  std::sort(actual.begin(), actual.end());
  ASSERT_EQ(expected, actual) << "expected:\n" << show(expected) << "reported:\n" << details;

  wf::test::RunDirectives directives;
  std::string directive_error;
  ASSERT_TRUE(wf::test::parse_run_directives(source, directives, directive_error)) << path.string() << ": " << directive_error;
  if (!directives.is_run_case()) return;
  ASSERT_TRUE(std::none_of(actual.begin(), actual.end(), [](const Expected& e) { return e.severity == "error"; }))
      << "a run case must have no errors";
  const wf::test::RunCaseResult run = wf::test::run_case(path.string(), directives);
  EXPECT_TRUE(run.passed) << run.failure << "\ntimeline:\n" << run.timeline;

  // The suspension property (SPEC §3): written to a continuation at every effect, the machine
  // destroyed and a new one restored from the bytes alone, the case ends the same way.
  wf::test::RunCaseOptions suspended_options;
  suspended_options.suspend_at_effects = true;
  const wf::test::RunCaseResult suspended = wf::test::run_case(path.string(), directives, suspended_options);
  EXPECT_TRUE(suspended.passed) << "with a snapshot and restore at every effect: " << suspended.failure
                                << "\ntimeline:\n" << suspended.timeline;
}

INSTANTIATE_TEST_SUITE_P(Lang, LangTest, ::testing::ValuesIn(case_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace

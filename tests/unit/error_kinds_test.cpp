// The error-kind table (stdlib/error_kinds.def): it holds the kinds of SPEC §1.7 once each, its
// names and enumerators convert both ways, its rules are the documented ones, and the table in
// docs/language.md §15 shows exactly its lines.
#include "stdlib/error_kinds.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace wf::stdlib {
namespace {

TEST(ErrorKinds, CoverSpecOnceEach) {
  // SPEC §1.7, in its order.
  const std::vector<std::string> spec = {"failed", "job_failed", "canary_failed", "timeout",   "rejected",
                                         "cancelled", "transient", "config", "permission", "not_found",
                                         "arithmetic", "index", "type"};
  std::vector<std::string> names;
  std::set<std::string> unique;
  for (const ErrorKindInfo& k : error_kinds()) {
    names.emplace_back(k.name);
    unique.emplace(k.name);
    EXPECT_FALSE(k.meaning.empty()) << k.name;
  }
  EXPECT_EQ(names, spec);
  EXPECT_EQ(unique.size(), names.size());
}

TEST(ErrorKinds, NamesRoundTrip) {
  for (size_t i = 0; i < error_kinds().size(); ++i) {
    const ErrorKindInfo& k = error_kinds()[i];
    EXPECT_EQ(static_cast<size_t>(k.kind), i) << k.name;
    EXPECT_EQ(&error_kind_info(k.kind), &k);
    EXPECT_EQ(error_kind_name(k.kind), k.name);
    EXPECT_EQ(parse_error_kind(k.name), k.kind);
  }
  EXPECT_EQ(parse_error_kind(""), std::nullopt);
  EXPECT_EQ(parse_error_kind("Failed"), std::nullopt);
  EXPECT_EQ(parse_error_kind("internal"), std::nullopt);
}

TEST(ErrorKinds, RetryAndRunEnd) {
  // SPEC §1.6: trying again cannot fix config, permission or not_found; a cancelled fiber is done.
  for (const char* never : {"config", "permission", "not_found", "cancelled"}) EXPECT_FALSE(retry_may_pass(never)) << never;
  for (const char* passes : {"failed", "job_failed", "timeout", "transient", "arithmetic"})
    EXPECT_TRUE(retry_may_pass(passes)) << passes;
  EXPECT_TRUE(retry_may_pass("a_kind_of_its_own"));
  // SPEC §6: exit code 3 for cancelled, rejected or timed out.
  for (const char* stopped : {"cancelled", "rejected", "timeout"}) EXPECT_TRUE(ends_as_stopped(stopped)) << stopped;
  for (const char* failed : {"failed", "job_failed", "canary_failed", "config", "type", "", "a_kind_of_its_own"})
    EXPECT_FALSE(ends_as_stopped(failed)) << failed;
}

// The rows of the Markdown table that starts with `header`, cells trimmed.
std::vector<std::vector<std::string>> markdown_table(const std::string& text, const std::string& header) {
  std::vector<std::vector<std::string>> rows;
  const size_t at = text.find(header);
  if (at == std::string::npos) return rows;
  std::istringstream lines(text.substr(at));
  std::string line;
  std::getline(lines, line);  // the header
  std::getline(lines, line);  // |---|
  while (std::getline(lines, line) && line.size() > 1 && line.front() == '|') {
    std::vector<std::string> cells;
    size_t from = 1;
    // Cells are split at " | ", so a `|` inside code spans of a cell stays in it.
    for (size_t bar; (bar = line.find(" | ", from)) != std::string::npos; from = bar + 3)
      cells.push_back(line.substr(from, bar - from));
    cells.push_back(line.substr(from, line.size() - from - 1));
    for (std::string& c : cells) {
      c.erase(0, c.find_first_not_of(' '));
      c.erase(c.find_last_not_of(' ') + 1);
    }
    rows.push_back(cells);
  }
  return rows;
}

TEST(ErrorKinds, LanguageDocShowsTheTable) {
  std::ifstream file(WF_SOURCE_DIR "/docs/language.md");
  ASSERT_TRUE(file) << "docs/language.md is missing";
  std::stringstream text;
  text << file.rdbuf();
  const auto rows = markdown_table(text.str(), "| kind | raised by | a step's `retry` tries again |");
  ASSERT_EQ(rows.size(), error_kinds().size()) << "docs/language.md §15 and stdlib/error_kinds.def differ";
  for (size_t i = 0; i < rows.size(); ++i) {
    const ErrorKindInfo& k = error_kinds()[i];
    ASSERT_EQ(rows[i].size(), 3u) << k.name;
    EXPECT_EQ(rows[i][0], "`" + std::string(k.name) + "`");
    EXPECT_EQ(rows[i][1], k.meaning) << k.name;
    EXPECT_EQ(rows[i][2], k.retry == Retry::Passes ? "yes" : "no") << k.name;
  }
}

}  // namespace
}  // namespace wf::stdlib

// SQL lives only in runtime/store (docs/architecture.md §7, "the store boundary"): no source file
// of the engine or the API handlers holds a statement, so a second store (PostgreSQL) replaces
// the query modules and nothing above them. The test reads every file of those two folders.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

// A statement's opening words as SQL writes them (upper case, followed by what must follow).
const std::regex kSql(R"(\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|CREATE\s+(TABLE|INDEX)\b|ALTER\s+TABLE\b|PRAGMA\s+\w)|\?\d)");

std::vector<std::string> sql_lines(const std::filesystem::path& folder) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    const auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
    std::ifstream in(entry.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n)
      if (std::regex_search(line, kSql)) found.push_back(entry.path().string() + ":" + std::to_string(n) + ": " + line);
  }
  return found;
}

TEST(SqlBoundary, TheEngineAndTheApiHandlersHoldNoSql) {
  for (const char* part : {"runtime/engine", "runtime/service"}) {
    const std::filesystem::path folder = std::filesystem::path(WF_SOURCE_DIR) / part;
    ASSERT_TRUE(std::filesystem::is_directory(folder)) << folder;
    const std::vector<std::string> found = sql_lines(folder);
    std::string all;
    for (const std::string& f : found) all += f + "\n";
    EXPECT_TRUE(found.empty()) << all;
  }
}

TEST(SqlBoundary, TheCheckRecognizesSql) {
  // The pattern must catch what the store's modules write, or the test above proves nothing.
  const std::filesystem::path store = std::filesystem::path(WF_SOURCE_DIR) / "runtime/store";
  EXPECT_GT(sql_lines(store).size(), 50u);
  for (const char* sql : {"SELECT id FROM jobs", "INSERT INTO events (id)", "INSERT OR REPLACE INTO waits", "UPDATE agents SET x = 1",
                          "DELETE FROM signals", "WHERE id = ?1"})
    EXPECT_TRUE(std::regex_search(std::string(sql), kSql)) << sql;
  for (const char* prose : {"// Select a host", "an update of the row", "delete the file", "Created at"})
    EXPECT_FALSE(std::regex_search(std::string(prose), kSql)) << prose;
}

}  // namespace

// Tests of the store's connection and statements: WAL and the synchronous level at open, binding
// and reading every type, the statement cache, and errors as values (bad SQL, constraints,
// files that are no database).
#include "runtime/store/database.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <string>

#include "tests/runtime/store/temp_dir.h"

namespace wf::store {
namespace {

using testing::TempDir;

std::unique_ptr<Database> open_or_fail(const std::string& path, OpenOptions options = {}) {
  std::string error;
  auto db = Database::open(path, options, error);
  EXPECT_NE(db, nullptr) << error;
  return db;
}

std::string pragma_text(Database& db, const char* pragma) {
  Statement& query = db.prepare(pragma);
  EXPECT_TRUE(query.step()) << query.error();
  std::string answer = query.column_text(0);
  query.reset();
  return answer;
}

int64_t count_rows(Database& db, const char* table) {
  Statement& query = db.prepare(std::string("SELECT count(*) FROM ") + table);
  EXPECT_TRUE(query.step()) << query.error();
  int64_t count = query.column_int64(0);
  query.reset();
  return count;
}

TEST(Database, OpenUsesWalAndTheRequestedSynchronousLevel) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const struct {
    Sync sync;
    const char* expected;
  } cases[] = {{Sync::Off, "0"}, {Sync::Normal, "1"}, {Sync::Full, "2"}};
  for (const auto& each : cases) {
    OpenOptions options;
    options.sync = each.sync;
    auto db = open_or_fail(dir.file(std::string("sync-") + each.expected + ".db"), options);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(pragma_text(*db, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(pragma_text(*db, "PRAGMA synchronous"), each.expected);
    EXPECT_EQ(pragma_text(*db, "PRAGMA foreign_keys"), "1");
    EXPECT_EQ(pragma_text(*db, "PRAGMA busy_timeout"), "5000");
  }
  // The default is the durable one.
  EXPECT_EQ(OpenOptions{}.sync, Sync::Full);
}

TEST(Database, OpenRefusesAFileThatIsNoDatabase) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.file("garbage.db");
  std::ofstream(path) << std::string(4096, 'x');
  for (bool read_only : {false, true}) {
    std::string error;
    OpenOptions options;
    options.read_only = read_only;
    EXPECT_EQ(Database::open(path, options, error), nullptr);
    EXPECT_NE(error.find("not a database"), std::string::npos) << error;
    EXPECT_NE(error.find(path), std::string::npos) << error;
  }
}

TEST(Database, OpenReportsAPathThatCannotBeCreated) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string error;
  EXPECT_EQ(Database::open(dir.file("missing/dir/store.db"), {}, error), nullptr);
  EXPECT_NE(error.find("cannot open database"), std::string::npos) << error;

  OpenOptions read_only;
  read_only.read_only = true;
  error.clear();
  EXPECT_EQ(Database::open(dir.file("absent.db"), read_only, error), nullptr);
  EXPECT_FALSE(error.empty());
}

TEST(Database, ReadOnlyConnectionReadsButDoesNotWrite) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.file("store.db");
  auto writer = open_or_fail(path);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2)"));

  OpenOptions options;
  options.read_only = true;
  auto reader = open_or_fail(path, options);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(count_rows(*reader, "t"), 2);
  std::string error;
  EXPECT_FALSE(reader->exec("INSERT INTO t VALUES (3)", &error));
  EXPECT_NE(error.find("readonly"), std::string::npos) << error;
  EXPECT_EQ(count_rows(*writer, "t"), 2);
}

TEST(Statement, BindsAndReadsEveryType) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto db = open_or_fail(dir.file("types.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->exec("CREATE TABLE t(k INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB)"));

  const std::string blob("a\0b\0\0c\xff", 7);
  const std::string text = "h\xc3\xa9llo, \xe2\x9c\x93";  // UTF-8
  Statement& insert = db->prepare("INSERT INTO t(k, i, r, s, b) VALUES (?, ?, ?, ?, ?)");
  EXPECT_TRUE(insert.bind(1, 1).bind(2, std::numeric_limits<int64_t>::max()).bind(3, 2.5)
                  .bind(4, std::string_view(text)).bind_blob(5, blob.data(), blob.size()).run())
      << insert.error();
  EXPECT_TRUE(insert.bind(1, 2).bind(2, std::numeric_limits<int64_t>::min()).bind(3, -1e300)
                  .bind(4, std::string_view()).bind_blob(5, nullptr, 0).run())
      << insert.error();
  EXPECT_TRUE(insert.bind(1, 3).bind(2, -7).bind_null(3).bind(4, static_cast<const char*>(nullptr))
                  .bind_null(5).run())
      << insert.error();
  EXPECT_TRUE(insert.bind(1, 4).bind(4, "literal").run()) << insert.error();  // 2, 3, 5 keep row 3's

  Statement& query = db->prepare("SELECT i, r, s, b, typeof(s), typeof(b) FROM t ORDER BY k");
  ASSERT_TRUE(query.step()) << query.error();
  EXPECT_EQ(query.column_int64(0), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(query.column_double(1), 2.5);
  EXPECT_EQ(query.column_text(2), text);
  EXPECT_EQ(query.column_blob(3), blob);  // NULs and a high byte kept
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_int64(0), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(query.column_double(1), -1e300);
  // Empty text and an empty blob are values, not NULL.
  EXPECT_FALSE(query.column_is_null(2));
  EXPECT_EQ(query.column_text(4), "text");
  EXPECT_FALSE(query.column_is_null(3));
  EXPECT_EQ(query.column_text(5), "blob");
  EXPECT_EQ(query.column_blob(3).size(), 0u);
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_int64(0), -7);
  EXPECT_TRUE(query.column_is_null(1));
  EXPECT_TRUE(query.column_is_null(2));
  EXPECT_TRUE(query.column_is_null(3));
  EXPECT_EQ(query.column_text(2), "");
  EXPECT_EQ(query.column_blob(3), "");
  EXPECT_FALSE(query.column_is_null(0));
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_int64(0), -7);
  EXPECT_EQ(query.column_text(2), "literal");
  EXPECT_FALSE(query.step());
  EXPECT_TRUE(query.ok()) << query.error();
}

TEST(Statement, IsCachedAndRunsAgainWhenBoundAgain) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto db = open_or_fail(dir.file("cache.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->exec("CREATE TABLE t(x INTEGER)"));
  const char* sql = "INSERT INTO t(x) VALUES (?)";
  Statement& insert = db->prepare(sql);
  for (int i = 1; i <= 100; ++i) ASSERT_TRUE(insert.bind(1, i).run()) << insert.error();
  EXPECT_EQ(db->changes(), 1);
  EXPECT_EQ(db->last_insert_rowid(), 100);
  EXPECT_EQ(&db->prepare(sql), &insert);
  // prepare() hands it back unbound: the parameter is NULL now.
  ASSERT_TRUE(db->prepare(sql).run());
  Statement& sum = db->prepare("SELECT count(*), sum(x), count(x) FROM t");
  ASSERT_TRUE(sum.step());
  EXPECT_EQ(sum.column_int64(0), 101);
  EXPECT_EQ(sum.column_int64(1), 5050);
  EXPECT_EQ(sum.column_int64(2), 100);
  ASSERT_TRUE(db->exec("UPDATE t SET x = 0"));
  EXPECT_EQ(db->changes(), 101);
}

TEST(Statement, BadSqlGivesAnErrorNotACrash) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto db = open_or_fail(dir.file("bad.db"));
  ASSERT_NE(db, nullptr);
  Statement& bad = db->prepare("SELEC 1");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("syntax error"), std::string::npos) << bad.error();
  bad.bind(1, 5).bind(2, "text").bind_blob(3, "x", 1).bind_null(4);
  EXPECT_FALSE(bad.step());
  EXPECT_FALSE(bad.run());
  bad.reset();
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.column_int64(0), 0);
  EXPECT_EQ(bad.column_text(0), "");
  EXPECT_TRUE(bad.column_is_null(0));

  EXPECT_FALSE(db->prepare("SELECT 1; SELECT 2").ok());
  EXPECT_FALSE(db->prepare("  -- nothing\n").ok());
  EXPECT_FALSE(db->prepare("").run());

  // A table that does not exist yet; once it does, the same text prepares.
  const char* query = "SELECT count(*) FROM later";
  EXPECT_NE(db->prepare(query).error().find("no such table"), std::string::npos);
  ASSERT_TRUE(db->exec("CREATE TABLE later(x)"));
  Statement& now = db->prepare(query);
  EXPECT_TRUE(now.ok()) << now.error();
  ASSERT_TRUE(now.step());
  EXPECT_EQ(now.column_int64(0), 0);
}

TEST(Statement, ReportsBindAndConstraintErrorsUntilBoundAgain) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto db = open_or_fail(dir.file("errors.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->exec("CREATE TABLE t(x INTEGER UNIQUE)"));
  Statement& insert = db->prepare("INSERT INTO t(x) VALUES (?)");
  ASSERT_TRUE(insert.bind(1, 1).run());
  EXPECT_FALSE(insert.bind(1, 1).run());
  EXPECT_NE(insert.error().find("UNIQUE constraint failed"), std::string::npos) << insert.error();
  EXPECT_FALSE(insert.step());  // stays failed until reset or bound again
  EXPECT_TRUE(insert.bind(1, 2).run()) << insert.error();
  EXPECT_TRUE(insert.ok());

  insert.bind(7, 3);  // no parameter 7
  EXPECT_FALSE(insert.ok());
  EXPECT_NE(insert.error().find("range"), std::string::npos) << insert.error();
  EXPECT_FALSE(insert.run());
  EXPECT_EQ(db->changes(), 1);
  EXPECT_EQ(count_rows(*db, "t"), 2);

  std::string error;
  EXPECT_FALSE(db->exec("CREAT TABLE u(x)", &error));
  EXPECT_NE(error.find("syntax error"), std::string::npos) << error;
  EXPECT_FALSE(db->exec("INSERT INTO t(x) VALUES (1)"));
  EXPECT_NE(db->last_error().find("UNIQUE"), std::string::npos) << db->last_error();
}

TEST(Database, EnforcesForeignKeys) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto db = open_or_fail(dir.file("fk.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->exec("CREATE TABLE parent(id INTEGER PRIMARY KEY);"
                       "CREATE TABLE child(parent_id INTEGER REFERENCES parent(id))"));
  std::string error;
  EXPECT_FALSE(db->exec("INSERT INTO child VALUES (42)", &error));
  EXPECT_NE(error.find("FOREIGN KEY"), std::string::npos) << error;
}

}  // namespace
}  // namespace wf::store

// Tests of versioned migrations: applied in order and once, refused for a newer database or a list
// out of order, and all-or-nothing per migration.
#include "runtime/store/migrations.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/runtime/store/temp_dir.h"

namespace wf::store {
namespace {

using testing::TempDir;

// Each migration depends on the one before it, so applying them out of order would fail.
constexpr Migration kMigrations[] = {
    {1, "CREATE TABLE hosts(id INTEGER PRIMARY KEY, name TEXT NOT NULL)"},
    {2, "CREATE TABLE jobs(id INTEGER PRIMARY KEY, host_id INTEGER REFERENCES hosts(id));"
        "INSERT INTO hosts(name) VALUES ('seeded')"},
    {3, "ALTER TABLE jobs ADD COLUMN status TEXT NOT NULL DEFAULT 'queued'"},
};

std::unique_ptr<Database> open_or_fail(const std::string& path) {
  std::string error;
  auto db = Database::open(path, {}, error);
  EXPECT_NE(db, nullptr) << error;
  return db;
}

int version_of(Database& db) {
  std::string error;
  int version = schema_version(db, error);
  EXPECT_GE(version, 0) << error;
  return version;
}

int64_t count(Database& db, const char* sql) {
  Statement& query = db.prepare(sql);
  EXPECT_TRUE(query.step()) << query.error();
  int64_t result = query.column_int64(0);
  query.reset();
  return result;
}

TEST(Migrations, ApplyInOrderAndOnlyOnce) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.file("store.db");
  {
    auto db = open_or_fail(path);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(version_of(*db), 0);
    std::string error;
    ASSERT_TRUE(migrate(*db, kMigrations, error)) << error;
    EXPECT_EQ(version_of(*db), 3);
    EXPECT_EQ(count(*db, "SELECT count(*) FROM hosts"), 1);
    ASSERT_TRUE(db->exec("INSERT INTO jobs(host_id) VALUES (1)"));
    EXPECT_EQ(count(*db, "SELECT count(*) FROM jobs WHERE status = 'queued'"), 1);
  }
  // Reopened: nothing runs again (the seed row would be doubled).
  auto db = open_or_fail(path);
  ASSERT_NE(db, nullptr);
  std::string error;
  ASSERT_TRUE(migrate(*db, kMigrations, error)) << error;
  EXPECT_EQ(version_of(*db), 3);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM hosts"), 1);
}

TEST(Migrations, BringAnOlderDatabaseUpToDate) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto db = open_or_fail(dir.file("store.db"));
  ASSERT_NE(db, nullptr);
  std::string error;
  ASSERT_TRUE(migrate(*db, std::span(kMigrations).first(1), error)) << error;
  EXPECT_EQ(version_of(*db), 1);
  ASSERT_TRUE(db->exec("INSERT INTO hosts(name) VALUES ('kept')"));
  ASSERT_TRUE(migrate(*db, kMigrations, error)) << error;
  EXPECT_EQ(version_of(*db), 3);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM hosts"), 2);
}

TEST(Migrations, RefuseADatabaseFromANewerVersion) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto db = open_or_fail(dir.file("store.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->exec("PRAGMA user_version = 7"));
  std::string error;
  EXPECT_FALSE(migrate(*db, kMigrations, error));
  EXPECT_NE(error.find("newer wf"), std::string::npos) << error;
  EXPECT_NE(error.find("7"), std::string::npos) << error;
  EXPECT_EQ(version_of(*db), 7);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM sqlite_schema"), 0);
}

TEST(Migrations, AFailingMigrationLeavesTheDatabaseAsItWas) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto db = open_or_fail(dir.file("store.db"));
  ASSERT_NE(db, nullptr);
  const Migration broken[] = {
      kMigrations[0],
      {2, "CREATE TABLE half(x INTEGER); INSERT INTO nowhere VALUES (1)"},
      {3, "CREATE TABLE never(x INTEGER)"},
  };
  std::string error;
  EXPECT_FALSE(migrate(*db, broken, error));
  EXPECT_NE(error.find("migration 2"), std::string::npos) << error;
  EXPECT_NE(error.find("no such table: nowhere"), std::string::npos) << error;
  EXPECT_EQ(version_of(*db), 1);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('half', 'never')"), 0);
  // The connection is usable and the fixed list applies.
  ASSERT_TRUE(migrate(*db, kMigrations, error)) << error;
  EXPECT_EQ(version_of(*db), 3);
}

TEST(Migrations, RefuseAListOutOfOrder) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto db = open_or_fail(dir.file("store.db"));
  ASSERT_NE(db, nullptr);
  const Migration swapped[] = {kMigrations[1], kMigrations[0]};
  const Migration repeated[] = {kMigrations[0], kMigrations[0]};
  const Migration zero[] = {{0, "CREATE TABLE z(x)"}};
  for (std::span<const Migration> list : {std::span<const Migration>(swapped), std::span<const Migration>(repeated),
                                          std::span<const Migration>(zero)}) {
    std::string error;
    EXPECT_FALSE(migrate(*db, list, error));
    EXPECT_NE(error.find("out of order"), std::string::npos) << error;
  }
  EXPECT_EQ(version_of(*db), 0);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM sqlite_schema"), 0);
}

TEST(Migrations, RunInsideATransactionAlreadyOpen) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto db = open_or_fail(dir.file("store.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->exec("BEGIN IMMEDIATE"));
  std::string error;
  ASSERT_TRUE(migrate(*db, std::span(kMigrations).first(1), error)) << error;
  const Migration broken[] = {kMigrations[0], {2, "CREATE TABLE half(x); SELEC"}};
  EXPECT_FALSE(migrate(*db, broken, error));
  EXPECT_NE(error.find("migration 2"), std::string::npos) << error;
  ASSERT_TRUE(db->exec("COMMIT"));
  EXPECT_EQ(version_of(*db), 1);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM sqlite_schema WHERE name = 'half'"), 0);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM sqlite_schema WHERE name = 'hosts'"), 1);
}

}  // namespace
}  // namespace wf::store

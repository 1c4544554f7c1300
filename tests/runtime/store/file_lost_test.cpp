// Tests of the store's check that its database file is still the one it opened
// (Database::file_unchanged) and of the writer, which refuses every unit once it is not.
#include <gtest/gtest.h>
#include <uv.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "runtime/store/database.h"
#include "runtime/store/writer.h"
#include "tests/runtime/store/temp_dir.h"

namespace wf::store {
namespace {

using testing::TempDir;

bool insert(Writer& writer, std::string& error) {
  return writer.run_now([](Database& db, std::string& err) { return db.exec("INSERT INTO items DEFAULT VALUES", &err); },
                        error);
}

class FileLost : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    ASSERT_TRUE(dir_.ok());
    path_ = dir_.file("store.db");
    std::string error;
    db_ = Database::open(path_, {}, error);
    ASSERT_NE(db_, nullptr) << error;
    ASSERT_TRUE(db_->exec("CREATE TABLE items(id INTEGER PRIMARY KEY)"));
  }
  void TearDown() override {
    uv_run(&loop_, UV_RUN_DEFAULT);  // the close of the writer's handle
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  uv_loop_t loop_{};
  TempDir dir_;
  std::string path_;
  std::unique_ptr<Database> db_;
};

TEST_F(FileLost, TheFileOpenedIsUnchangedUntilItIsRemovedOrReplaced) {
  std::string why;
  EXPECT_TRUE(db_->file_unchanged(why)) << why;
  std::filesystem::copy_file(path_, path_ + ".copy");
  std::filesystem::rename(path_ + ".copy", path_);
  EXPECT_FALSE(db_->file_unchanged(why));
  EXPECT_NE(why.find("was replaced by another file"), std::string::npos) << why;
  std::filesystem::remove(path_);
  EXPECT_FALSE(db_->file_unchanged(why));
  EXPECT_NE(why.find("is gone"), std::string::npos) << why;
}

TEST_F(FileLost, AnInMemoryDatabaseHasNoFileToLose) {
  std::string error;
  auto memory = Database::open(":memory:", {}, error);
  ASSERT_NE(memory, nullptr) << error;
  std::string why;
  EXPECT_TRUE(memory->file_unchanged(why)) << why;
}

TEST_F(FileLost, TheWriterRefusesEveryUnitOnceTheFileIsGone) {
  std::atomic<int> told{0};
  std::string told_why;
  Writer::Options options;
  options.on_file_lost = [&](const std::string& why) {
    told_why = why;
    ++told;
  };
  Writer writer(std::move(db_), &loop_, options);
  std::string error;
  EXPECT_TRUE(insert(writer, error)) << error;

  std::filesystem::remove(path_);
  std::filesystem::remove(path_ + "-wal");
  std::filesystem::remove(path_ + "-shm");
  EXPECT_FALSE(insert(writer, error));
  EXPECT_NE(error.find("is gone"), std::string::npos) << error;
  // For good, even once a file is back at the path, and said once.
  { std::string open_error; EXPECT_NE(Database::open(path_, {}, open_error), nullptr) << open_error; }
  EXPECT_FALSE(insert(writer, error));
  EXPECT_EQ(told.load(), 1);
  EXPECT_NE(told_why.find(path_), std::string::npos) << told_why;
  writer.stop();
}

}  // namespace
}  // namespace wf::store

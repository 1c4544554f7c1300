// One SQLite connection of the service's store (SPEC §4) and its prepared statements: opened in
// WAL mode with the requested synchronous level, statements prepared once and cached by their
// SQL text, every failure reported as a value (ok()/error(), a bool and a message), never thrown.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wf::store {

// PRAGMA synchronous: Full fsyncs the WAL at every commit (nothing committed is lost on a power
// cut); Normal only at checkpoints (a power cut may lose the last commits, never corrupt).
enum class Sync { Off, Normal, Full };

struct OpenOptions {
  Sync sync = Sync::Full;
  bool read_only = false;
  int busy_timeout_ms = 5000;  // how long a statement waits for another connection's lock
};

// A prepared statement. Move-only; owned by the Database that prepared it, which hands out
// references. Binding again after a step resets it first (keeping the other bindings), so a
// cached statement is re-run by binding and stepping. A statement that failed to prepare keeps
// its error: binding does nothing and step()/run() fail with that error.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, like sqlite's. Text and blobs are copied (SQLITE_TRANSIENT).
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);  // an empty view binds '', never NULL
  Statement& bind(int index, const char* text);       // nullptr binds NULL
  Statement& bind_blob(int index, const void* data, size_t size);  // size 0 binds an empty blob
  Statement& bind_null(int index);

  // true: a row is available; false: done, or an error (see ok()/error()). After an error,
  // step() keeps answering false until the statement is reset or bound again.
  bool step();
  // step() to completion (INSERT/UPDATE/DELETE, or a query whose rows are not wanted), then
  // release the statement's read snapshot; true on success.
  bool run();
  bool ok() const { return error_.empty(); }  // no error since the last reset
  const std::string& error() const { return error_; }
  void reset();  // reset and clear the bindings

  // Columns of the current row, 0-based like sqlite's.
  int64_t column_int64(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;        // "" for NULL
  std::string_view column_blob(int col) const;   // valid until the next step/reset; "" for NULL
  bool column_is_null(int col) const;

 private:
  friend class Database;
  Statement(sqlite3* db, std::string_view sql);
  // Called before every bind: a statement that has been stepped is reset, so it can run again.
  bool ready_to_bind();
  void check_bind(int rc);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string prepare_error_;  // why the SQL did not prepare; stays for the statement's lifetime
  std::string error_;
  bool stepped_ = false;  // stepped since the last reset
};

// One sqlite3 connection, used by one thread at a time (it may move between threads, as the
// store's writer does). Opened with journal_mode=WAL, the requested synchronous level,
// foreign_keys=ON and a busy timeout.
class Database {
 public:
  // nullptr and `error` set when the file cannot be opened, is not a database, or (read-write)
  // cannot be switched to WAL.
  static std::unique_ptr<Database> open(const std::string& path, const OpenOptions& options,
                                        std::string& error);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements whose results are not wanted.
  bool exec(std::string_view sql, std::string* error = nullptr);
  // The statement for `sql`, prepared on first use and cached by its text; returned reset and
  // unbound. Since the cache holds one statement per text, a caller still reading the rows of a
  // statement must not prepare the same text again until it is done. A text that failed to
  // prepare is prepared again on the next call (the table it names may exist by then).
  Statement& prepare(std::string_view sql);
  int64_t last_insert_rowid() const;
  int changes() const;  // rows changed by the last INSERT/UPDATE/DELETE
  std::string last_error() const;
  sqlite3* handle() { return db_; }

  // Whether the file this connection writes to is still the one at its path: SQLite keeps
  // writing to a file deleted or replaced under it (in WAL mode it does not notice), so a change
  // committed there would be lost with the next start. Compares the device and inode the path
  // named at open with what it names now; false with `why` when they differ or the path is gone.
  // Always true for an in-memory database. One stat(2).
  bool file_unchanged(std::string& why) const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}

  // Lets the cache be searched with a string_view without building a std::string each time.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  sqlite3* db_;
  std::string path_;  // the file's absolute path, "" for an in-memory database
  uint64_t device_ = 0, inode_ = 0;  // what path_ named at open
  std::unordered_map<std::string, std::unique_ptr<Statement>, TextHash, std::equal_to<>> statements_;
};

}  // namespace wf::store

// The store's SQLite connection and statements (see database.h).
#include "runtime/store/database.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <system_error>
#include <utility>

namespace wf::store {

namespace {

// sqlite3_bind_text/blob treat a null pointer as NULL; an empty value must not become one.
constexpr char kEmpty[1] = {0};

const char* synchronous_pragma(Sync sync) {
  switch (sync) {
    case Sync::Off: return "PRAGMA synchronous=OFF";
    case Sync::Normal: return "PRAGMA synchronous=NORMAL";
    case Sync::Full: return "PRAGMA synchronous=FULL";
  }
  return "PRAGMA synchronous=FULL";
}

}  // namespace

// ---- Statement ----

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sql.size() > static_cast<size_t>(INT_MAX)) {
    prepare_error_ = error_ = "SQL text too long";
    return;
  }
  const char* text = sql.data() != nullptr ? sql.data() : kEmpty;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db, text, static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, &tail);
  std::string_view rest;
  if (rc == SQLITE_OK && tail != nullptr) rest = std::string_view(tail, static_cast<size_t>(text + sql.size() - tail));
  if (rc == SQLITE_OK && rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    // The statements after the first would be dropped without a word; exec() runs several.
    rc = SQLITE_ERROR;
    prepare_error_ = "more than one SQL statement in \"" + std::string(sql) + "\" (use exec)";
  } else if (rc != SQLITE_OK) {
    prepare_error_ = sqlite3_errmsg(db);
  }
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  } else if (stmt_ == nullptr) {
    // Only whitespace or comments: nothing to run, which is a caller's mistake worth naming.
    prepare_error_ = "no SQL statement in \"" + std::string(sql) + "\"";
  }
  error_ = prepare_error_;
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      prepare_error_(std::move(other.prepare_error_)),
      error_(std::move(other.error_)),
      stepped_(other.stepped_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    prepare_error_ = std::move(other.prepare_error_);
    error_ = std::move(other.error_);
    stepped_ = other.stepped_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

bool Statement::ready_to_bind() {
  if (stmt_ == nullptr) return false;
  if (stepped_) {
    sqlite3_reset(stmt_);
    stepped_ = false;
    error_.clear();
  }
  return true;
}

void Statement::check_bind(int rc) {
  // The first failure is the one worth reporting; later ones are usually its consequence.
  if (rc != SQLITE_OK && error_.empty()) error_ = sqlite3_errmsg(db_);
}

Statement& Statement::bind(int index, int64_t value) {
  if (ready_to_bind()) check_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, int value) {
  if (ready_to_bind()) check_bind(sqlite3_bind_int(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (ready_to_bind()) check_bind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (ready_to_bind()) {
    const char* data = text.data() != nullptr ? text.data() : kEmpty;
    check_bind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  return *this;
}

Statement& Statement::bind(int index, const char* text) {
  if (text == nullptr) return bind_null(index);
  return bind(index, std::string_view(text));
}

Statement& Statement::bind_blob(int index, const void* data, size_t size) {
  if (ready_to_bind()) {
    if (data == nullptr || size == 0) data = kEmpty;
    check_bind(sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT));
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (ready_to_bind()) check_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

bool Statement::step() {
  if (stmt_ == nullptr || !error_.empty()) return false;
  stepped_ = true;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) error_ = sqlite3_errmsg(db_);
  return false;
}

bool Statement::run() {
  while (step()) {
  }
  // A finished statement holds no lock, but one that stopped on an error or was a query may
  // still hold a read snapshot; resetting releases it. Bindings, changes() and the error stay.
  if (stmt_ != nullptr) sqlite3_reset(stmt_);
  return error_.empty();
}

void Statement::reset() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  stepped_ = false;
  error_ = prepare_error_;
}

int64_t Statement::column_int64(int col) const {
  return stmt_ != nullptr ? sqlite3_column_int64(stmt_, col) : 0;
}

double Statement::column_double(int col) const {
  return stmt_ != nullptr ? sqlite3_column_double(stmt_, col) : 0.0;
}

std::string Statement::column_text(int col) const {
  if (stmt_ == nullptr) return {};
  // The pointer first, then the size: asking for the size first could convert the value twice.
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string_view Statement::column_blob(int col) const {
  if (stmt_ == nullptr) return {};
  const void* data = sqlite3_column_blob(stmt_, col);
  if (data == nullptr) return {};
  return std::string_view(static_cast<const char*>(data), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

bool Statement::column_is_null(int col) const {
  return stmt_ == nullptr || sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

// ---- Database ----

std::unique_ptr<Database> Database::open(const std::string& path, const OpenOptions& options,
                                         std::string& error) {
  // NOMUTEX: a connection is used by one thread at a time, so sqlite's own mutex is only cost.
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    error = "cannot open database '" + path + "': " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    sqlite3_close_v2(raw);
    return nullptr;
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  std::unique_ptr<Database> db(new Database(raw));

  auto fail = [&](const std::string& why) {
    error = "cannot open database '" + path + "': " + why;
    return nullptr;
  };
  std::string why;
  if (!options.read_only) {
    // journal_mode answers the mode it ended in; a file it cannot switch stays in the old one.
    // An in-memory database answers "memory", which is as good as it gets for one.
    Statement mode(raw, "PRAGMA journal_mode=WAL");
    if (!mode.step()) return fail(mode.error().empty() ? "journal_mode gave no answer" : mode.error());
    std::string answer = mode.column_text(0);
    if (answer != "wal" && answer != "memory") return fail("cannot use WAL (journal mode is " + answer + ")");
    if (!db->exec(synchronous_pragma(options.sync), &why)) return fail(why);
  } else {
    // A read-only connection still reads the schema now, so a file that is no database is
    // refused here rather than at the first query.
    if (!db->exec("SELECT count(*) FROM sqlite_schema", &why)) return fail(why);
  }
  if (!db->exec("PRAGMA foreign_keys=ON", &why)) return fail(why);
  // The statement journals of the writer's savepoints (one per unit of a group commit) stay in
  // memory: on disk they are temporary files written and deleted for every unit, which cost
  // more than the commit they serve.
  if (!db->exec("PRAGMA temp_store=MEMORY", &why)) return fail(why);
  // sqlite's own name of the file, absolute; "" for an in-memory or temporary database.
  const char* file = sqlite3_db_filename(raw, "main");
  if (file != nullptr && *file != '\0') {
    struct stat st {};
    if (::stat(file, &st) != 0) return fail("cannot stat the file: " + std::system_category().message(errno));
    db->path_ = file;
    db->device_ = static_cast<uint64_t>(st.st_dev);
    db->inode_ = static_cast<uint64_t>(st.st_ino);
  }
  return db;
}

bool Database::file_unchanged(std::string& why) const {
  if (path_.empty()) return true;
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    why = "the database file " + path_ + " is gone (" + std::system_category().message(errno) + ")";
    return false;
  }
  if (static_cast<uint64_t>(st.st_dev) != device_ || static_cast<uint64_t>(st.st_ino) != inode_) {
    why = "the database file " + path_ + " was replaced by another file";
    return false;
  }
  return true;
}

Database::~Database() {
  statements_.clear();  // every statement is finalized before the connection closes
  sqlite3_close_v2(db_);
}

bool Database::exec(std::string_view sql, std::string* error) {
  std::string text(sql);  // sqlite3_exec wants a NUL-terminated string
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return true;
  if (error != nullptr) *error = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return false;
}

Statement& Database::prepare(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    auto statement = std::unique_ptr<Statement>(new Statement(db_, sql));
    return *statements_.emplace(std::string(sql), std::move(statement)).first->second;
  }
  Statement& statement = *found->second;
  if (statement.stmt_ == nullptr) {
    statement = Statement(db_, sql);
  } else {
    statement.reset();
  }
  return statement;
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int Database::changes() const { return sqlite3_changes(db_); }

std::string Database::last_error() const { return sqlite3_errmsg(db_); }

}  // namespace wf::store

// Schema migrations over PRAGMA user_version (see migrations.h).
#include "runtime/store/migrations.h"

#include "runtime/store/query.h"

namespace wf::store {

int schema_version(Database& db, std::string& error) {
  Query query(db, "PRAGMA user_version");
  if (!query->step()) {
    error = "cannot read the schema version: " + (query->ok() ? std::string("no answer") : query->error());
    return -1;
  }
  return static_cast<int>(query->column_int64(0));
}

bool migrate(Database& db, std::span<const Migration> migrations, std::string& error) {
  int previous = 0;
  for (const Migration& migration : migrations) {
    if (migration.version <= previous) {
      error = "migration " + std::to_string(migration.version) + " is out of order (versions start at 1 and increase)";
      return false;
    }
    previous = migration.version;
  }
  const int newest_known = previous;

  int current = schema_version(db, error);
  if (current < 0) return false;
  if (current > newest_known) {
    error = "the database is at schema version " + std::to_string(current) + " but this wf knows only up to " +
            std::to_string(newest_known) + ": it was created by a newer wf";
    return false;
  }

  // Outside a transaction each migration is one (IMMEDIATE: take the write lock before reading
  // the version, so two processes starting together cannot both apply it). Inside one, a
  // savepoint gives the same all-or-nothing per migration.
  const bool own_transaction = sqlite3_get_autocommit(db.handle()) != 0;
  const char* begin = own_transaction ? "BEGIN IMMEDIATE" : "SAVEPOINT wf_migration";
  const char* commit = own_transaction ? "COMMIT" : "RELEASE wf_migration";
  const char* rollback = own_transaction ? "ROLLBACK" : "ROLLBACK TO wf_migration; RELEASE wf_migration";

  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    const std::string label = "migration " + std::to_string(migration.version) + ": ";
    std::string why;
    if (!db.exec(begin, &why)) {
      error = label + why;
      return false;
    }
    int now = schema_version(db, why);
    bool applied = now >= migration.version;  // another process got there first
    bool done = now >= 0 && (applied || (db.exec(migration.sql, &why) &&
                                         db.exec("PRAGMA user_version = " + std::to_string(migration.version), &why)));
    if (done && db.exec(commit, &why)) {
      current = migration.version;
      continue;
    }
    error = label + why;
    // Some failures (a full disk, an I/O error) have already rolled the transaction back.
    if (!own_transaction || sqlite3_get_autocommit(db.handle()) == 0) db.exec(rollback);
    return false;
  }
  return true;
}

}  // namespace wf::store

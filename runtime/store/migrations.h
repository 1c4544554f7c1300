// Versioned schema migrations (SPEC §4: "schema migrations are versioned and run at start"): the
// database's PRAGMA user_version records the last migration applied to it.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "runtime/store/database.h"

namespace wf::store {

struct Migration {
  int version;           // 1, 2, 3, ...: strictly increasing in the list
  std::string_view sql;  // one or more statements
};

// Applies every migration whose version is above the database's user_version, in order, each in
// its own transaction together with the user_version update, so a failing migration leaves the
// database as the previous one left it. Inside a transaction already open (Writer::run_now) each
// migration is a savepoint of it instead. Refuses (false, `error`) a database whose user_version is
// above the highest version known ("created by a newer wf"), and a list out of order. A migration
// cannot change what SQLite refuses to change inside a transaction (journal_mode, foreign_keys).
bool migrate(Database& db, std::span<const Migration> migrations, std::string& error);

// The database's PRAGMA user_version; -1 and `error` set when it cannot be read.
int schema_version(Database& db, std::string& error);

}  // namespace wf::store

// The asynchronous form of the store's reads. A request handler on the loop thread asks for a
// read and gets its Result through a callback on the loop, so a store whose round trip costs
// milliseconds (a networked database) never stalls the loop. SQLite, in the same process and
// answering in microseconds, answers at once, inside read().
#pragma once

#include <functional>
#include <utility>

#include "runtime/store/database.h"

namespace wf::store {

// Threading: read() is called on the loop thread and `answer` runs on it.
class Reader {
 public:
  explicit Reader(Database& db) : db_(db) {}

  // Runs `query` (one of the query modules' reads) and hands its result to `answer`.
  template <class Query, class Answer>
  void read(Query&& query, Answer&& answer) {
    answer(std::forward<Query>(query)(db_));
  }

  // The connection itself, for reads that must be synchronous (start-up, recovery).
  Database& connection() { return db_; }

 private:
  Database& db_;
};

}  // namespace wf::store

// How the store's query modules read and bind rows: `Query`, an RAII cursor over a cached
// statement (reset when it goes out of scope, so a statement is never left mid-read), `Result`,
// the one error idiom of the store's reads (a value, or the store's error — a missing row is a
// value, an error is never "no rows"), and the few binding and column helpers every module uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/store/database.h"
#include "runtime/store/page.h"
#include "runtime/store/statuses.h"

namespace wf::store {

// A statement of `db`'s cache, bound and stepped through this object and reset when it ends.
// Because the cache holds one statement per SQL text, two Queries of the same text must not be
// alive at once (the second would reset the first's read).
class Query {
 public:
  Query(Database& db, std::string_view sql) : s_(db.prepare(sql)) {}
  ~Query() { s_.reset(); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Statement& operator*() { return s_; }
  Statement* operator->() { return &s_; }
  const Statement& row() const { return s_; }

 private:
  Statement& s_;
};

// What a read answers: a value, or why the store could not answer.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: a value converts implicitly
  static Result failure(std::string error) {
    Result r;
    r.error_ = error.empty() ? std::string("the store failed") : std::move(error);
    return r;
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Result() = default;
  std::optional<T> value_;
  std::string error_;
};

// A read's statement ended: Ok unless stepping it failed.
inline bool finished(Query& q, std::string& error) {
  if (q->ok()) return true;
  error = q->error();
  return false;
}

// Runs a write statement; false with `error` set when it failed.
inline bool run(Statement& s, std::string& error) {
  if (s.run()) return true;
  error = s.error();
  return false;
}

// The one integer a query answers (?1 bound to `key` when given); 0 when it answers no row.
inline Result<int64_t> read_int(Database& db, std::string_view sql, std::optional<int64_t> key = std::nullopt) {
  Query q(db, sql);
  if (key) q->bind(1, *key);
  const int64_t v = q->step() ? q->column_int64(0) : 0;
  std::string error;
  if (!finished(q, error)) return Result<int64_t>::failure(error);
  return v;
}

// Every row a query answers, each through `map`, a row type's one mapping:
// bool map(const Statement&, Row&, std::string& error), false for a row the store should never
// hold.
template <class Row, class Map>
Result<std::vector<Row>> read_rows(Query& q, Map map) {
  std::vector<Row> out;
  std::string error;
  while (q->step()) {
    Row row;
    if (!map(q.row(), row, error)) return Result<std::vector<Row>>::failure(error);
    out.push_back(std::move(row));
  }
  if (!finished(q, error)) return Result<std::vector<Row>>::failure(error);
  return out;
}

// The one row a query answers, or nullopt.
template <class Row, class Map>
Result<std::optional<Row>> read_row(Query& q, Map map) {
  auto rows = read_rows<Row>(q, map);
  if (!rows.ok()) return Result<std::optional<Row>>::failure(rows.error());
  if (rows->empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows->front()));
}

// A page of a list: the rows `list` answers and, when `count` is given, the number it answers
// (its COUNT(*)). `list` reads up to `limit` + 1 rows: the one past the page says that there is a
// next page, whose cursor is `key` of the page's last row.
template <class Row, class Map, class Key>
Result<Page<Row>> read_page(Query& list, Query* count, int64_t limit, Map map, Key key) {
  auto rows = read_rows<Row>(list, map);
  if (!rows.ok()) return Result<Page<Row>>::failure(rows.error());
  Page<Row> out;
  out.items = std::move(*rows);
  if (static_cast<int64_t>(out.items.size()) > limit) {
    out.items.resize(static_cast<size_t>(limit));
    if (!out.items.empty()) out.next = key(out.items.back());
  }
  if (count) {
    out.total = (*count)->step() ? (*count)->column_int64(0) : 0;
    std::string error;
    if (!finished(*count, error)) return Result<Page<Row>>::failure(error);
  }
  return out;
}

// A page of a large list, continued by its rows' ids (page.h): `list_sql` holds the filter's
// parameters, then the cursor at ?`cursor` (written only when `page.after` is given), the limit at
// ?`cursor`+1 and the offset at ?`cursor`+2; `count_sql`, run only when the page asks for a total,
// holds the same filter. `bind` binds the filter's parameters to either statement.
template <class Row, class Bind, class Map>
Result<Page<Row>> read_keyset_page(Database& db, const std::string& list_sql, const std::string& count_sql, int cursor,
                                   const Paging& page, Bind bind, Map map) {
  Query list(db, list_sql);
  bind(*list);
  if (page.after) list->bind(cursor, *page.after);
  list->bind(cursor + 1, page.limit + 1).bind(cursor + 2, page.skip);
  std::optional<Query> count;
  if (page.count) {
    count.emplace(db, count_sql);
    bind(**count);
  }
  return read_page<Row>(list, count ? &*count : nullptr, page.limit, map, [](const Row& r) { return r.id; });
}

// A page of a list that is always counted and never continued by a cursor (the small lists).
template <class Row, class Map>
Result<Page<Row>> read_page(Query& list, Query& count, Map map) {
  return read_page<Row>(list, &count, INT64_MAX, map, [](const Row&) { return int64_t{0}; });
}

template <class T>
void bind_optional(Statement& s, int index, const std::optional<T>& v) {
  if (v) s.bind(index, static_cast<int64_t>(*v));
  else s.bind_null(index);
}

inline void bind_text_or_null(Statement& s, int index, const std::string& v) {
  if (v.empty()) s.bind_null(index);
  else s.bind(index, std::string_view(v));
}

inline std::optional<int64_t> optional_int(const Statement& s, int col) {
  if (s.column_is_null(col)) return std::nullopt;
  return s.column_int64(col);
}

// A status column read into its enum (statuses.h); false with `error` set for a name the table
// does not know (a corrupt row is an error, never a guess).
template <class Enum>
bool column_enum(const Statement& s, int col, Enum& out, std::string& error) {
  const std::string text = s.column_text(col);
  if (auto v = parse<Enum>(text)) {
    out = *v;
    return true;
  }
  if (error.empty()) error = "the store holds an unknown status `" + text + "`";
  return false;
}

inline std::vector<uint8_t> column_bytes(const Statement& s, int col) {
  const std::string_view b = s.column_blob(col);
  return std::vector<uint8_t>(b.begin(), b.end());
}

}  // namespace wf::store

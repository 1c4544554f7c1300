// A page of a list read: its rows, the cursor of the page after it and, when asked, how many rows
// the whole list holds (SPEC §5 lists answer `items` and `total`; the large lists count only on
// request, since counting costs a pass over every matching row).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace wf::store {

// Which part of a list to read: `limit` rows after the row whose key is `after` (keyset paging,
// which costs the same on every page), or after skipping `skip` rows (which costs every row it
// skips). `count`: also count the whole list.
struct Paging {
  Paging() = default;
  Paging(int64_t skip_rows, int64_t most) : skip(skip_rows), limit(most) {}

  int64_t skip = 0, limit = 50;
  std::optional<int64_t> after;
  bool count = true;
};

template <class Row>
struct Page {
  std::vector<Row> items;
  std::optional<int64_t> total;  // when counted
  std::optional<int64_t> next;   // the `after` of the next page; none on the last page
};

}  // namespace wf::store

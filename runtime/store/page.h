// A page of a list read: its rows and how many rows the whole list holds (SPEC §5 lists answer
// `items` and `total`).
#pragma once

#include <cstdint>
#include <vector>

namespace wf::store {

// Which part of a list to read.
struct Paging {
  int64_t skip = 0, limit = 50;
};

template <class Row>
struct Page {
  std::vector<Row> items;
  int64_t total = 0;
};

}  // namespace wf::store

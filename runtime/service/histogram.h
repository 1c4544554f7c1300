// A Prometheus histogram: fixed upper bounds, the count of observations at or under each, their
// number and their sum, written as the text format wants (`_bucket{le=...}`, `_sum`, `_count`).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "runtime/service/exposition.h"

namespace wf::service {

class Histogram {
 public:
  // `bounds`: ascending upper bounds (+Inf is implied); the array must outlive the histogram.
  explicit Histogram(std::span<const double> bounds) : bounds_(bounds), buckets_(bounds.size(), 0) {}
  void observe(double value);
  // The samples of this histogram under `name` (without its suffixes), with `labels`.
  void render(Exposition& out, std::string_view name, Labels labels) const;

 private:
  std::span<const double> bounds_;
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace wf::service

// Histograms for /metrics (see histogram.h).
#include "runtime/service/histogram.h"

#include <string>

#include <fmt/format.h>

namespace wf::service {

void Histogram::observe(double value) {
  for (size_t i = 0; i < bounds_.size(); ++i)
    if (value <= bounds_[i]) ++buckets_[i];
  ++count_;
  sum_ += value;
}

void Histogram::render(Exposition& out, std::string_view name, Labels labels) const {
  const std::string bucket = fmt::format("{}_bucket", name);
  for (size_t i = 0; i < bounds_.size(); ++i)
    out.sample(bucket, labels, "le", fmt::format("{}", bounds_[i]), static_cast<double>(buckets_[i]));
  out.sample(bucket, labels, "le", "+Inf", static_cast<double>(count_));
  out.sample(fmt::format("{}_sum", name), labels, sum_);
  out.sample(fmt::format("{}_count", name), labels, static_cast<double>(count_));
}

}  // namespace wf::service

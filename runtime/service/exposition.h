// Writing the Prometheus text exposition format 0.0.4: a metric family's HELP and TYPE lines, then
// its samples with their labels, values escaped as the format wants.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace wf::service {

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class Exposition {
 public:
  // Starts a family: "# HELP name help" and "# TYPE name type" (counter, gauge, histogram).
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample: `name{label="value",...} value` (`name` may carry a suffix: _bucket, _sum, _count).
  void sample(std::string_view name, Labels labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  // A sample with one more label after `labels` (a histogram bucket's `le`).
  void sample(std::string_view name, Labels labels, std::string_view extra_name, std::string_view extra_value, double value);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void labels(Labels labels, std::string_view extra_name, std::string_view extra_value);
  void value(double v);
  std::string out_;
};

}  // namespace wf::service

// What the service counts of the HTTP requests it answers, for /metrics: requests by route
// template (the route table's path, never the request's own, so the labels stay few), method and
// status, and a latency histogram per route template, from the request's routing to its answer
// (or to the start of its stream). Loop thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "runtime/service/exposition.h"
#include "runtime/service/histogram.h"

namespace wf::service {

class HttpMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1,     2.5,  5,    10};

  void observe(std::string_view route, std::string_view method, int status, double seconds);
  void render(Exposition& out) const;

 private:
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace wf::service

// What the service counts of the HTTP requests it answers, for /metrics: requests by route
// template (the route table's path, never the request's own, so the labels stay few), method and
// status, and a latency histogram per route template, from the request's routing to its answer
// (or to the start of its stream). Loop thread only. Counting allocates nothing once a
// combination has been seen: the keys are the table's rows and the methods' names, and the labels
// are written only at a scrape.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "runtime/service/exposition.h"
#include "runtime/service/histogram.h"
#include "runtime/service/route_table.h"

namespace wf::service {

class HttpMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1,     2.5,  5,    10};

  // Which row answered: `route`, or none (`path_known`: the path exists, with another method).
  struct Answered {
    const Route* route = nullptr;
    bool path_known = false;
    auto operator<=>(const Answered&) const = default;
  };

  void observe(Answered by, std::string_view method, int status, double seconds);
  void render(Exposition& out) const;

 private:
  std::map<std::tuple<Answered, std::string_view, int>, uint64_t> requests_;  // method: a static name
  std::map<Answered, Histogram> latency_;
};

}  // namespace wf::service

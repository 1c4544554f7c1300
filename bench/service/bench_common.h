// What the service benchmarks share: the error that ends a run, the JSON line each measurement
// prints, and reading wrk's latencies.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace wf::bench {

// Thrown on the main thread only when the service misbehaves; main reports it and exits 2.
struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One measurement: a JSON line on stdout, flushed at once (a long run shows as it goes).
inline void print_line(const nlohmann::json& line) {
  std::printf("%s\n", line.dump().c_str());
  std::fflush(stdout);
}

// A wrk latency like "1.23ms", "635.91us" or "1.02s" in milliseconds.
inline std::optional<double> wrk_ms(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const std::string unit(end);
  if (unit == "us") return v / 1000;
  if (unit == "ms") return v;
  if (unit == "s") return v * 1000;
  return std::nullopt;
}

}  // namespace wf::bench

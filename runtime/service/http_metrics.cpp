// The HTTP request counters and histograms of /metrics (see http_metrics.h).
#include "runtime/service/http_metrics.h"

#include <fmt/format.h>

namespace wf::service {

void HttpMetrics::observe(std::string_view route, std::string_view method, int status, double seconds) {
  ++requests_[{std::string(route), std::string(method), status}];
  Histogram& h = latency_[std::string(route)];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

void HttpMetrics::render(Exposition& out) const {
  out.family("wf_http_requests_total", "counter", "HTTP requests answered, by route template, method and status.");
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    const std::string code = std::to_string(status);
    out.sample("wf_http_requests_total", {{"route", route}, {"method", method}, {"status", code}}, static_cast<double>(count));
  }
  out.family("wf_http_request_duration_seconds", "histogram",
             "Time from a request's routing to its answer (or the start of its stream), by route template.");
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      out.sample("wf_http_request_duration_seconds_bucket", {{"route", route}}, "le", fmt::format("{}", kBuckets[i]),
                 static_cast<double>(h.buckets[i]));
    out.sample("wf_http_request_duration_seconds_bucket", {{"route", route}}, "le", "+Inf", static_cast<double>(h.count));
    out.sample("wf_http_request_duration_seconds_sum", {{"route", route}}, h.sum);
    out.sample("wf_http_request_duration_seconds_count", {{"route", route}}, static_cast<double>(h.count));
  }
}

}  // namespace wf::service

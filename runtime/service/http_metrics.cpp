// The HTTP request counters and histograms of /metrics (see http_metrics.h).
#include "runtime/service/http_metrics.h"

namespace wf::service {

void HttpMetrics::observe(std::string_view route, std::string_view method, int status, double seconds) {
  ++requests_[{std::string(route), std::string(method), status}];
  latency_.try_emplace(std::string(route), kBuckets).first->second.observe(seconds);
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
  for (const auto& [route, h] : latency_) h.render(out, "wf_http_request_duration_seconds", {{"route", route}});
}

}  // namespace wf::service

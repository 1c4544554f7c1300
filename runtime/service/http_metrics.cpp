// The HTTP request counters and histograms of /metrics (see http_metrics.h).
#include "runtime/service/http_metrics.h"

namespace wf::service {

namespace {

// The method's name with static storage: the request that named it is gone by the scrape.
std::string_view method_name(std::string_view method) {
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (const std::string_view known : kMethods)
    if (known == method) return known;
  return "other";
}

std::string route_label(const HttpMetrics::Answered& by) {
  if (by.route) return full_path(*by.route);
  return by.path_known ? "(other method)" : "(no route)";
}

}  // namespace

void HttpMetrics::observe(Answered by, std::string_view method, int status, double seconds) {
  ++requests_[{by, method_name(method), status}];
  latency_.try_emplace(by, kBuckets).first->second.observe(seconds);
}

void HttpMetrics::render(Exposition& out) const {
  out.family("wf_http_requests_total", "counter", "HTTP requests answered, by route template, method and status.");
  for (const auto& [key, count] : requests_) {
    const auto& [by, method, status] = key;
    const std::string route = route_label(by), code = std::to_string(status);
    out.sample("wf_http_requests_total", {{"route", route}, {"method", method}, {"status", code}}, static_cast<double>(count));
  }
  out.family("wf_http_request_duration_seconds", "histogram",
             "Time from a request's routing to its answer (or the start of its stream), by route template.");
  for (const auto& [by, h] : latency_) {
    const std::string route = route_label(by);
    h.render(out, "wf_http_request_duration_seconds", {{"route", route}});
  }
}

}  // namespace wf::service

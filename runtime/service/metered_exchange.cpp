// The exchange that meters its answer (see metered_exchange.h).
#include "runtime/service/metered_exchange.h"

#include <uv.h>

namespace wf::service {

MeteredExchange::MeteredExchange(std::shared_ptr<http::Exchange> inner, HttpMetrics& metrics, HttpMetrics::Answered by,
                                 std::string_view method, uint64_t started_ns)
    : inner_(std::move(inner)), metrics_(metrics), by_(by), method_(method), started_ns_(started_ns) {}

void MeteredExchange::respond(http::Response r) {
  // Only an answer that can still go counts (the inner exchange ignores the others).
  if (!inner_->closed()) record(r.status);
  inner_->respond(std::move(r));
}

void MeteredExchange::start_stream(int status, http::HeaderList headers) {
  if (!inner_->closed()) record(status);
  inner_->start_stream(status, std::move(headers));
}

void MeteredExchange::record(int status) {
  if (recorded_) return;
  recorded_ = true;
  metrics_.observe(by_, method_, status, static_cast<double>(uv_hrtime() - started_ns_) / 1e9);
}

}  // namespace wf::service

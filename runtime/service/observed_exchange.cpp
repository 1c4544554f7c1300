// The exchange that tells its observers of its answer (see observed_exchange.h).
#include "runtime/service/observed_exchange.h"

namespace wf::service {

ObservedExchange::ObservedExchange(std::shared_ptr<http::Exchange> inner, std::string request_id)
    : inner_(std::move(inner)), request_id_(std::move(request_id)) {}

void ObservedExchange::respond(http::Response r) {
  tell(r.status, r.body);
  r.headers.emplace_back("X-Request-Id", request_id_);
  inner_->respond(std::move(r));
}

void ObservedExchange::start_stream(int status, http::HeaderList headers) {
  tell(status, {});
  headers.emplace_back("X-Request-Id", request_id_);
  inner_->start_stream(status, std::move(headers));
}

void ObservedExchange::tell(int status, std::string_view body) {
  // Only the first answer counts (the inner exchange ignores the others).
  if (told_) return;
  told_ = true;
  const Answer answer{status, body, !inner_->closed()};
  for (const Observer& f : observers_) f(answer);
}

AuditDraft* audit_draft(http::Exchange& x) {
  auto* observed = dynamic_cast<ObservedExchange*>(&x);
  return observed ? observed->audit.get() : nullptr;
}

}  // namespace wf::service

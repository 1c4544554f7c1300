// An exchange that tells its observers how its request was answered — /metrics counts it, the
// audit log records it — and gives the answer the request's id. It passes every call to the
// connection's exchange; at the first answer (or the start of a stream) it adds an
// `X-Request-Id` header and tells each observer, once, the status and the body.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/http/exchange.h"

namespace wf::service {

struct AuditDraft;

class ObservedExchange final : public http::Exchange {
 public:
  struct Answer {
    int status = 0;
    std::string_view body;  // "" for a stream
    bool delivered = false;  // false when the connection was already gone: nothing reached the client
  };
  // Called on the loop thread; it must not throw or answer.
  using Observer = std::function<void(const Answer&)>;

  ObservedExchange(std::shared_ptr<http::Exchange> inner, std::string request_id);

  void observe(Observer f) { observers_.push_back(std::move(f)); }
  const std::string& request_id() const { return request_id_; }
  // What the audit log will record of this request, when it records it (request_audit.h): the
  // router fills it in, and a handler that learns more (who registered) adds to it.
  std::shared_ptr<AuditDraft> audit;

  void respond(http::Response r) override;
  void start_stream(int status, http::HeaderList headers) override;
  bool send(std::string_view piece) override { return inner_->send(piece); }
  void end() override { inner_->end(); }
  bool closed() const override { return inner_->closed(); }
  void on_close(std::function<void()> f) override { inner_->on_close(std::move(f)); }

 private:
  void tell(int status, std::string_view body);
  std::shared_ptr<http::Exchange> inner_;
  std::string request_id_;
  std::vector<Observer> observers_;
  bool told_ = false;
};

// The audit draft of `x`'s request when `x` is an ObservedExchange that records one; else null.
AuditDraft* audit_draft(http::Exchange& x);

}  // namespace wf::service

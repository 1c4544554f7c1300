// An exchange that tells HttpMetrics how its request was answered: it passes every call to the
// connection's exchange and, at the first answer (or the start of a stream), records the route
// template, the method, the status and the time since the request was routed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/http/exchange.h"
#include "runtime/service/http_metrics.h"

namespace wf::service {

class MeteredExchange final : public http::Exchange {
 public:
  MeteredExchange(std::shared_ptr<http::Exchange> inner, HttpMetrics& metrics, HttpMetrics::Answered by,
                  std::string_view method, uint64_t started_ns);
  void respond(http::Response r) override;
  void start_stream(int status, http::HeaderList headers) override;
  bool send(std::string_view piece) override { return inner_->send(piece); }
  void end() override { inner_->end(); }
  bool closed() const override { return inner_->closed(); }
  void on_close(std::function<void()> f) override { inner_->on_close(std::move(f)); }

 private:
  void record(int status);
  std::shared_ptr<http::Exchange> inner_;
  HttpMetrics& metrics_;
  HttpMetrics::Answered by_;
  std::string method_;
  uint64_t started_ns_;
  bool recorded_ = false;
};

}  // namespace wf::service

// Run-and-wait (`POST /definitions/{id}/run?wait=30s`, docs/api.md): the answer to a start is held,
// without holding the loop, until the instance ends — 200 with its detail — or the wait runs out —
// 202 with its summary, as a plain start answers. A client that goes away meanwhile is forgotten.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/service/api_support.h"

namespace wf::service {

// The longest a run may wait for its instance: long enough for a CI job's quick workflow, short
// enough that no proxy or client gives up first.
constexpr int64_t kLongestRunWaitMs = 5 * 60 * 1000;

// The request's `wait` in milliseconds, 0 when it has none; nullopt after answering 400 when it
// is not a duration from 1ms to 5m.
std::optional<int64_t> run_wait_of(const http::Request& r, http::Exchange& x);

class RunWait;

// Starts holding `x`'s answer for up to `wait_ms`: the caller starts the instance, then tells the
// returned waiter its id (instance()) and, from the start's Done, that the first transition has
// committed (started()).
std::shared_ptr<RunWait> hold_run_answer(Context& c, ExchangePtr x, int64_t org, int64_t wait_ms);

class RunWait : public std::enable_shared_from_this<RunWait> {
 public:
  RunWait(Context& c, ExchangePtr x, int64_t org) : c_(c), x_(std::move(x)), org_(org) {}

  void instance(int64_t id) { id_ = id; }
  // The start's first transition committed (ok) or failed; `summary` is what a plain start answers.
  void started(bool ok, const std::string& error, nlohmann::json summary);

  // Used by the loop's callbacks (run_wait.cpp).
  bool arm(int64_t wait_ms);
  void on_instance_event(const store::EventRow& e);
  void expired();
  void finish();

 private:
  void answer_ended();
  void answer_pending();

  Context& c_;
  ExchangePtr x_;
  int64_t org_ = 0, id_ = 0;
  nlohmann::json summary_;
  uint64_t listener_ = 0;
  uv_timer_t timer_{};
  bool timer_open_ = false;
  bool committed_ = false, ended_ = false, timed_out_ = false, finished_ = false;
};

}  // namespace wf::service

// Run-and-wait: holding a start's answer until its instance ends or the wait runs out (see
// run_wait.h). The waiter listens to the engine's committed events for the instance's final
// `instance.status`, and a timer of the loop ends the wait; whichever comes first answers, and
// both are released then — or when the client goes away first.
#include "runtime/service/run_wait.h"

#include <fmt/format.h>

#include "syntax/literals.h"
#include "runtime/service/routes.h"
#include "runtime/store/statuses.h"
#include "runtime/log/log.h"

namespace wf::service {

namespace {

// The timer's data holds a reference to its waiter: the waiter lives as long as the handle,
// whose close callback drops it.
void on_run_wait_expired(uv_timer_t* handle) {
  try {
    (*static_cast<std::shared_ptr<RunWait>*>(handle->data))->expired();
  } catch (const std::exception& e) {
    // Nothing may unwind into libuv.
    log::error(fmt::format("a run's wait could not be answered: {}", e.what()));
  }
}

void on_run_wait_timer_closed(uv_handle_t* handle) { delete static_cast<std::shared_ptr<RunWait>*>(handle->data); }

}  // namespace

std::optional<int64_t> run_wait_of(const http::Request& r, http::Exchange& x) {
  const std::optional<std::string> text = r.query_param("wait");
  if (!text) return int64_t{0};
  const std::optional<int64_t> ms = decode_duration(*text);
  if (!ms || *ms < 1 || *ms > kLongestRunWaitMs) {
    reply_error(x, 400, "bad_request", fmt::format("`wait` must be a duration from 1ms to 5m, like 30s (got \"{}\")", *text));
    return std::nullopt;
  }
  return *ms;
}

std::shared_ptr<RunWait> hold_run_answer(Context& c, ExchangePtr x, int64_t org, int64_t wait_ms) {
  auto waiter = std::make_shared<RunWait>(c, x, org);
  if (!waiter->arm(wait_ms)) return waiter;
  x->on_close([weak = std::weak_ptr<RunWait>(waiter)] {
    if (auto w = weak.lock()) w->finish();
  });
  return waiter;
}

bool RunWait::arm(int64_t wait_ms) {
  listener_ = c_.engine->subscribe([weak = weak_from_this()](const store::EventRow& e) {
    if (auto w = weak.lock()) w->on_instance_event(e);
  });
  if (int rc = uv_timer_init(c_.loop, &timer_); rc != 0) {
    // Without a timer the wait could not end: the start is answered as a plain one would be.
    log::error(fmt::format("a run's wait has no timer: {}", uv_strerror(rc)));
    c_.engine->unsubscribe(listener_);
    listener_ = 0;
    timed_out_ = true;
    return false;
  }
  timer_open_ = true;
  timer_.data = new std::shared_ptr<RunWait>(shared_from_this());
  if (int rc = uv_timer_start(&timer_, on_run_wait_expired, static_cast<uint64_t>(wait_ms), 0); rc != 0) {
    log::error(fmt::format("a run's wait did not start: {}", uv_strerror(rc)));
    timed_out_ = true;
  }
  return true;
}

void RunWait::started(bool ok, const std::string& error, nlohmann::json summary) {
  if (finished_) return;
  if (!ok) {
    reply_not_stored(*x_, error);
    return finish();
  }
  committed_ = true;
  summary_ = std::move(summary);
  // It may have ended in its first transition (the summary, taken as start() returned, has no
  // status then), or its end been announced already. A later transition's end is known only from
  // its event: the engine forgets the instance before that transition has committed.
  if (ended_ || summary_["status"].is_null()) return answer_ended();
  if (timed_out_) answer_pending();
}

void RunWait::on_instance_event(const store::EventRow& e) {
  if (finished_ || id_ == 0 || e.instance_id != id_ || e.type != "instance.status") return;
  // The row holds the whole event, its own fields under `data` (Engine::event).
  const auto whole = nlohmann::json::parse(e.data, nullptr, false);
  if (!whole.is_object() || !whole.contains("data") || !whole["data"].is_object()) return;
  const nlohmann::json& data = whole["data"];
  if (!data.contains("status") || !data["status"].is_string()) return;
  const auto status = store::parse<store::InstanceStatus>(data["status"].get<std::string>());
  if (!status || !store::is_terminal(*status)) return;
  ended_ = true;
  if (committed_) answer_ended();
}

void RunWait::expired() {
  if (finished_) return;
  timed_out_ = true;
  if (committed_) answer_pending();
}

void RunWait::answer_ended() {
  auto detail = instance_detail(c_, org_, id_);
  if (read_ok(*x_, detail)) {
    if (*detail) reply_json(*x_, 200, **detail);
    else reply_error(*x_, 500, "internal", fmt::format("instance {} ended but is not stored", id_));
  }
  finish();
}

void RunWait::answer_pending() {
  const engine::LiveStatus live = c_.engine->status_of(id_);
  if (!live.status.empty()) {
    summary_["status"] = live.status;
    summary_["pause_reason"] = live.pause_reason.empty() ? nlohmann::json() : nlohmann::json(live.pause_reason);
  }
  reply_json(*x_, 202, summary_);
  finish();
}

void RunWait::finish() {
  if (finished_) return;
  finished_ = true;
  if (listener_) c_.engine->unsubscribe(listener_);
  listener_ = 0;
  if (timer_open_) {
    timer_open_ = false;
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_run_wait_timer_closed);
  }
}

}  // namespace wf::service

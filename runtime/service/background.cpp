// Work on libuv's thread pool with its answer on the loop (see background.h).
#include "runtime/service/background.h"
#include "runtime/log/log.h"

#include <fmt/format.h>

#include <exception>

namespace wf::service::detail {

namespace {

// The libuv request and the job it carries. Allocated by queue_background_job, freed by
// on_after_work; libuv never moves the request while it is queued or running.
struct Pending {
  uv_work_t request{};
  std::unique_ptr<BackgroundJob> job;
  std::string error;  // written by the pool thread before libuv hands the request back
};

void run_after(BackgroundJob& job, const std::string& error) {
  try {
    job.after(error);
  } catch (const std::exception& e) {
    log::error(fmt::format("the answer to background work failed: {}", e.what()));
  } catch (...) {
    log::error("the answer to background work failed");
  }
}

// On a pool thread.
void on_work(uv_work_t* request) {
  auto* pending = static_cast<Pending*>(request->data);
  try {
    pending->job->work();
  } catch (const std::exception& e) {
    pending->error = e.what();
    if (pending->error.empty()) pending->error = "the work failed";
  } catch (...) {
    pending->error = "the work failed";
  }
}

// On the loop thread, after on_work has returned (status 0) or instead of it (UV_ECANCELED).
void on_after_work(uv_work_t* request, int status) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(request->data));
  if (status == UV_ECANCELED) pending->error = "the work was cancelled before it ran";
  else if (status < 0) pending->error = fmt::format("the work did not run: {}", uv_strerror(status));
  run_after(*pending->job, pending->error);
}

}  // namespace

void queue_background_job(uv_loop_t* loop, std::unique_ptr<BackgroundJob> job) {
  auto pending = std::make_unique<Pending>();
  pending->job = std::move(job);
  pending->request.data = pending.get();
  const int rc = uv_queue_work(loop, &pending->request, on_work, on_after_work);
  if (rc != 0) {
    run_after(*pending->job, fmt::format("cannot queue the work: {}", uv_strerror(rc)));
    return;
  }
  pending.release();  // on_after_work frees it
}

}  // namespace wf::service::detail

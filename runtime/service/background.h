// Work too long for the loop thread (compiling an upload, simulating a run): a function runs on a
// thread of libuv's pool, then a second one runs on the loop with its result.
//
//   loop thread              pool thread                 loop thread
//   run_in_background() -->  work()  -- result or error -->  after(result, error)
//
// Threading: run_in_background() is called on the loop thread. `work` runs on a pool thread and
// must touch nothing the loop owns (the store's reader, the engine, the exchange, a Value the loop
// may share): its inputs are copied into it, and its result is plain data. `after` runs on the
// loop thread and may answer, submit to the writer, and so on.
//
// Ownership: the work, its inputs, its result and `after` live in one heap record that libuv's
// request points to; it is freed on the loop thread once `after` has returned, so whatever the
// two functions hold (an exchange, a program) is also released there.
//
// Errors: no exception crosses a libuv callback. One thrown by `work` becomes `after`'s error;
// one thrown by `after` is reported on stderr, since there is no one left to answer.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace wf::service {

namespace detail {

// What run_in_background queues, with its types erased.
class BackgroundJob {
 public:
  virtual ~BackgroundJob() = default;
  virtual void work() = 0;                           // on a pool thread
  virtual void after(const std::string& error) = 0;  // on the loop thread
};

// Queues `job` on the pool of `loop`. If libuv refuses it, `after` runs at once, with the reason.
void queue_background_job(uv_loop_t* loop, std::unique_ptr<BackgroundJob> job);

}  // namespace detail

// Runs `work()` on a thread of libuv's pool, then `after(result, error)` on the loop thread, once.
// `result` (an std::optional of what `work` returns) is set exactly when `error` is empty;
// otherwise `error` says why there is none: `work` threw, libuv cancelled the request before it
// ran, or could not queue it.
//
// libuv's pool has UV_THREADPOOL_SIZE threads (4 unless the environment says otherwise): more work
// than that waits in libuv's queue, while the loop goes on.
template <class Work, class After>
void run_in_background(uv_loop_t* loop, Work work, After after) {
  using Result = std::invoke_result_t<Work&>;
  class Job final : public detail::BackgroundJob {
   public:
    Job(Work w, After a) : work_(std::move(w)), after_(std::move(a)) {}
    void work() override { result_.emplace(work_()); }
    void after(const std::string& error) override {
      if (!error.empty()) result_.reset();
      after_(std::move(result_), error);
    }

   private:
    Work work_;
    After after_;
    std::optional<Result> result_;
  };
  detail::queue_background_job(loop, std::make_unique<Job>(std::move(work), std::move(after)));
}

}  // namespace wf::service

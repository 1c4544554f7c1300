// The store's one writer (SPEC §4: "every change of an instance is one transaction", with group
// commit so many instances' changes share one fsync). Work units queued from any thread run on the
// writer's own thread; the units waiting when it wakes run inside one transaction, each inside its
// own savepoint, and their completions come back on the libuv loop in submission order.
#pragma once

#include <uv.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/store/database.h"

namespace wf::store {

// Threading: submit(), run_now(), commits() and units() may be called from any thread (run_now
// not from inside a unit: it would wait for itself). The constructor, stop() and the destructor
// run on the loop's thread, since they create and close a libuv handle.
class Writer {
 public:
  struct Options {
    size_t max_batch = 1000;  // units per transaction at most
    // Called once, on the writer thread, when the database file is found deleted or replaced
    // (Database::file_unchanged) with why; from then on every unit fails with that message.
    std::function<void(const std::string& why)> on_file_lost = nullptr;
    // For tests: called on the writer thread before each batch's COMMIT; an error it returns
    // fails the batch as a COMMIT that failed (a full disk) would.
    std::function<std::string()> fail_commit = nullptr;
    // Called on the writer thread after each batch's COMMIT returned, with how long its
    // transaction took (BEGIN to COMMIT, the fsync included) and how many units it committed:
    // what /metrics makes histograms of. It must be quick and not throw.
    std::function<void(double seconds, size_t units)> on_commit = nullptr;
  };
  // A unit of work: runs on the writer thread inside its savepoint; returns false (and says why
  // in `error`) to have its changes rolled back. It must not throw; if it does, the exception is
  // caught and the unit fails with its message. It must not COMMIT or ROLLBACK the transaction.
  using Work = std::function<bool(Database& db, std::string& error)>;
  // Called on the loop thread once the unit's fate is known: committed=true after the COMMIT of
  // its batch returned (the batch's one fsync); false with the error when the unit failed, when
  // the COMMIT failed, or when the writer was already stopped.
  using Done = std::function<void(bool committed, const std::string& error)>;
  // Called on the writer thread as soon as the unit is known not to commit, before any later
  // unit runs: what a later unit built on this one's changes can check, so that it fails too
  // rather than commit on top of changes that are not there. It must be quick and not throw.
  using Abandoned = std::function<void()>;

  // Takes the connection (WAL, see Database::open) and starts the thread. `loop` must outlive
  // the Writer and run until the handle stop() closes has closed.
  Writer(std::unique_ptr<Database> db, uv_loop_t* loop, Options options);
  ~Writer();  // stop() if not stopped
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues a unit. After stop(), `done` is called at once on the calling thread with
  // committed=false.
  void submit(Work work, Done done, Abandoned abandoned = nullptr);

  // Runs every unit queued, stops the thread and closes the uv_async handle; the `done`s not yet
  // delivered still run on the loop, while the close completes (the loop must run for that).
  void stop();

  // Transactions committed and units committed, for benchmarks and /metrics; their ratio is the
  // group-commit factor.
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  uint64_t units() const { return units_.load(std::memory_order_relaxed); }
  // Units submitted and not yet taken by the writer thread: the queue /metrics watches back up.
  size_t queued();

  // Runs `work` on the writer thread in a transaction of its own, after the units queued before
  // it, and waits for its result: for start-up (the migrations, loading state), before the loop
  // runs. Returns its result; its changes are committed only when it returns true.
  bool run_now(const Work& work, std::string& error);

 private:
  struct Waiter;      // run_now's caller, blocked on the result
  struct Completion;  // a `done` with its outcome, on its way to the loop
  struct Delivery;    // the uv_async_t and the completions waiting for the loop
  struct Unit {
    Work work;
    Done done;
    Waiter* waiter = nullptr;  // set for run_now
    Abandoned abandoned;
  };

  void run_thread();
  // Before each transaction: false once the database file is no longer the one opened, with
  // `lost_` saying why (see run_thread for why the check is made there).
  bool file_still_ours();
  // Runs a batch, appending a completion per unit run; leaves in `batch` the units that did not
  // run because the transaction broke.
  void run_batch(std::deque<Unit>& batch, std::vector<Completion>& outbox);
  void run_alone(Unit& unit);
  void hand_to_loop(std::vector<Completion>& outbox);
  static void on_async(uv_async_t* handle);
  static void on_delivery_closed(uv_handle_t* handle);

  std::unique_ptr<Database> db_;
  Options options_;
  Delivery* delivery_ = nullptr;  // freed in its close callback, which may run after ~Writer
  std::string start_error_;       // why the writer could not start; every unit fails with it
  std::string lost_;              // writer thread only: why the file is no longer ours, for good

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Unit> queue_;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  bool stopped_ = false;    // touched by stop() only (loop thread)
  std::thread thread_;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> units_{0};
};

}  // namespace wf::store

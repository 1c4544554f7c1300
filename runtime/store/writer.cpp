// The store's writer thread with group commit (see writer.h).
//
// One batch, as the writer thread runs it:
//
//   BEGIN IMMEDIATE
//     SAVEPOINT wf_unit   work #1   RELEASE wf_unit                       (committed)
//     SAVEPOINT wf_unit   work #2   ROLLBACK TO wf_unit; RELEASE wf_unit  (returned false)
//     ...                                                                 (at most max_batch)
//   COMMIT                        <- the batch's one fsync (synchronous=FULL)
//   completions of #1, #2, ... -> the loop's uv_async_t, delivered in that order
//
// Units queued while a batch commits make up the next one, so the busier the service, the more
// changes share an fsync.
//
// Before each BEGIN the writer checks that the database file is still the one it opened
// (file_still_ours): once it was deleted or replaced, every unit fails, so no change is
// acknowledged that the next start would not find.
#include "runtime/store/writer.h"

#include <chrono>

#include <exception>
#include <utility>
#include <vector>

namespace wf::store {

namespace {

constexpr const char* kStoppedError = "the store writer is stopped";

// A unit that leaves a query half-read would keep its statement busy, and that would make the
// savepoint's RELEASE or the batch's COMMIT fail for everyone in it.
void reset_busy_statements(sqlite3* db) {
  for (sqlite3_stmt* stmt = sqlite3_next_stmt(db, nullptr); stmt != nullptr; stmt = sqlite3_next_stmt(db, stmt)) {
    if (sqlite3_stmt_busy(stmt)) sqlite3_reset(stmt);
  }
}

bool in_transaction(Database& db) { return sqlite3_get_autocommit(db.handle()) == 0; }

// Runs one of the transaction-control statements; `error` says why it failed.
bool control(Database& db, std::string_view sql, std::string& error) {
  Statement& statement = db.prepare(sql);
  if (statement.run()) return true;
  error = statement.error();
  return false;
}

void call_abandoned(Writer::Abandoned& abandoned) {
  if (!abandoned) return;
  try {
    abandoned();
  } catch (...) {
  }
  abandoned = nullptr;  // once
}

bool call_work(const Writer::Work& work, Database& db, std::string& error) {
  if (!work) {
    error = "empty work unit";
    return false;
  }
  try {
    return work(db, error);
  } catch (const std::exception& e) {
    error = std::string("the work unit threw: ") + e.what();
  } catch (...) {
    error = "the work unit threw";
  }
  return false;
}

}  // namespace

struct Writer::Completion {
  Done done;
  bool committed = false;
  std::string error;

  // Deliveries run inside a libuv callback, which no exception may cross. A `done` that throws
  // has no one to tell, so the rest of the batch is still delivered.
  static void run_all(std::vector<Completion>& completions) {
    for (Completion& completion : completions) {
      if (!completion.done) continue;
      try {
        completion.done(completion.committed, completion.error);
      } catch (...) {
      }
    }
  }
};

// The handle through which the writer thread wakes the loop, and what it has to deliver. It lives
// on the heap because its close callback may run after the Writer is gone.
struct Writer::Delivery {
  uv_async_t async;
  std::mutex mutex;
  std::vector<Completion> waiting;  // guarded by mutex

  std::vector<Completion> take() {
    std::lock_guard lock(mutex);
    return std::exchange(waiting, {});
  }
};

// run_now's caller, blocked until the writer thread has run its unit.
struct Writer::Waiter {
  std::mutex mutex;
  std::condition_variable finished_changed;
  bool finished = false;
  bool result = false;
  std::string error;
};

Writer::Writer(std::unique_ptr<Database> db, uv_loop_t* loop, Options options)
    : db_(std::move(db)), options_(options) {
  if (options_.max_batch == 0) options_.max_batch = 1;
  delivery_ = new Delivery();
  delivery_->async.data = delivery_;
  int rc = uv_async_init(loop, &delivery_->async, on_async);
  if (rc != 0) {
    // Without the handle no completion can reach the loop: the writer never starts, and every
    // submit is answered at once with why.
    delete delivery_;
    delivery_ = nullptr;
    start_error_ = std::string("cannot start the store writer: ") + uv_strerror(rc);
    stopping_ = true;
    stopped_ = true;
    return;
  }
  if (db_ == nullptr) start_error_ = "the store writer has no database";
  thread_ = std::thread([this] { run_thread(); });
}

Writer::~Writer() { stop(); }

void Writer::submit(Work work, Done done, Abandoned abandoned) {
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(Unit{std::move(work), std::move(done), nullptr, std::move(abandoned)});
      queued = true;
    }
  }
  if (queued) {
    wake_.notify_one();  // costs no system call while the writer is busy: nobody waits then
    return;
  }
  call_abandoned(abandoned);
  if (done) done(false, start_error_.empty() ? kStoppedError : start_error_);
}

bool Writer::run_now(const Work& work, std::string& error) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    error = "run_now called from inside a unit of the store writer";
    return false;
  }
  Waiter waiter;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      error = start_error_.empty() ? kStoppedError : start_error_;
      return false;
    }
    queue_.push_back(Unit{work, nullptr, &waiter, nullptr});
  }
  wake_.notify_one();
  std::unique_lock lock(waiter.mutex);
  waiter.finished_changed.wait(lock, [&] { return waiter.finished; });
  error = std::move(waiter.error);
  return waiter.result;
}

void Writer::stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The thread has handed over every completion; what the loop has not delivered yet is
  // delivered by the close callback.
  if (delivery_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(&delivery_->async), on_delivery_closed);
    delivery_ = nullptr;
  }
}

void Writer::on_async(uv_async_t* handle) {
  auto* delivery = static_cast<Delivery*>(handle->data);
  std::vector<Completion> completions = delivery->take();
  Completion::run_all(completions);
}

void Writer::on_delivery_closed(uv_handle_t* handle) {
  auto* delivery = static_cast<Delivery*>(handle->data);
  std::vector<Completion> completions = delivery->take();
  delete delivery;
  Completion::run_all(completions);
}

// ---- the writer thread ----

void Writer::run_thread() {
  std::vector<Completion> outbox;
  std::deque<Unit> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and every unit has run
      // A run_now unit runs alone, in its queue position; a batch stops before one.
      do {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      } while (batch.front().waiter == nullptr && !queue_.empty() && queue_.front().waiter == nullptr &&
               batch.size() < options_.max_batch);
    }
    if (batch.front().waiter != nullptr) {
      run_alone(batch.front());
      batch.clear();
    } else {
      run_batch(batch, outbox);
    }
    if (!batch.empty()) {
      // The batch's transaction broke before these ran: they go first in the next one.
      std::lock_guard lock(mutex_);
      while (!batch.empty()) {
        queue_.push_front(std::move(batch.back()));
        batch.pop_back();
      }
    }
    hand_to_loop(outbox);
  }
}

// The check runs before every transaction rather than on a timer: a timer would leave up to its
// period during which changes are acknowledged and then lost, while one stat(2) per batch costs
// little beside the batch's fsync and is shared by every unit of it. A file deleted between the
// check and the COMMIT is no different from one deleted just after the COMMIT.
bool Writer::file_still_ours() {
  if (!lost_.empty()) return false;
  if (db_ == nullptr) return true;  // the units fail with start_error_
  std::string why;
  if (db_->file_unchanged(why)) return true;
  lost_ = why + "; every change is refused until the service is restarted on its database";
  if (options_.on_file_lost) {
    try {
      options_.on_file_lost(lost_);
    } catch (...) {
    }
  }
  return false;
}

void Writer::hand_to_loop(std::vector<Completion>& outbox) {
  if (outbox.empty() || delivery_ == nullptr) return;
  {
    std::lock_guard lock(delivery_->mutex);
    if (delivery_->waiting.empty()) {
      delivery_->waiting.swap(outbox);
    } else {
      for (Completion& completion : outbox) delivery_->waiting.push_back(std::move(completion));
    }
  }
  outbox.clear();
  uv_async_send(&delivery_->async);
}

void Writer::run_batch(std::deque<Unit>& batch, std::vector<Completion>& outbox) {
  auto deliver = [&outbox](Unit& unit, bool committed, std::string error) {
    if (!committed) call_abandoned(unit.abandoned);
    if (unit.done) outbox.push_back(Completion{std::move(unit.done), committed, std::move(error)});
  };
  if (db_ == nullptr) {
    for (Unit& unit : batch) deliver(unit, false, start_error_);
    batch.clear();
    return;
  }
  if (!file_still_ours()) {
    for (Unit& unit : batch) deliver(unit, false, lost_);
    batch.clear();
    return;
  }
  Database& db = *db_;
  std::string error;
  const auto began = std::chrono::steady_clock::now();
  if (!control(db, "BEGIN IMMEDIATE", error)) {
    for (Unit& unit : batch) deliver(unit, false, "cannot begin the store's transaction: " + error);
    batch.clear();
    return;
  }

  // The units run so far and why each failed ("" = its changes are in the transaction).
  std::vector<Unit> ran;
  std::vector<std::string> failures;
  ran.reserve(batch.size());
  failures.reserve(batch.size());
  std::string broken;  // why the transaction cannot be committed, when it cannot

  while (!batch.empty() && broken.empty()) {
    ran.push_back(std::move(batch.front()));
    batch.pop_front();
    std::string unit_error;
    bool in_savepoint = control(db, "SAVEPOINT wf_unit", unit_error);
    bool succeeded = in_savepoint && call_work(ran.back().work, db, unit_error);
    reset_busy_statements(db.handle());
    if (!in_transaction(db)) {
      // The unit ended the transaction (a COMMIT or ROLLBACK of its own, or an error such as a
      // full disk after which SQLite rolls back): what ran before it may be gone too.
      broken = "the batch's transaction ended inside a unit" + (unit_error.empty() ? "" : ": " + unit_error);
      if (unit_error.empty()) unit_error = broken;
    } else if (succeeded) {
      if (!control(db, "RELEASE wf_unit", unit_error)) broken = "cannot release a unit's savepoint: " + unit_error;
    } else {
      if (unit_error.empty()) unit_error = "the work unit failed without saying why";
      std::string undo_error;
      if (in_savepoint && !(control(db, "ROLLBACK TO wf_unit", undo_error) && control(db, "RELEASE wf_unit", undo_error))) {
        broken = "cannot roll back a failed unit: " + undo_error;
      }
      call_abandoned(ran.back().abandoned);  // before the next unit runs
    }
    if (!broken.empty()) {
      for (Unit& unit : ran) call_abandoned(unit.abandoned);
    }
    failures.push_back(std::move(unit_error));
  }

  if (broken.empty() && options_.fail_commit) {
    std::string injected;
    try {
      injected = options_.fail_commit();
    } catch (...) {
      injected = "the commit hook threw";
    }
    if (!injected.empty()) broken = "the store's COMMIT failed: " + injected;
  }
  if (broken.empty() && !control(db, "COMMIT", error)) broken = "the store's COMMIT failed: " + error;
  if (!broken.empty()) {
    if (in_transaction(db)) control(db, "ROLLBACK", error);
    for (size_t i = 0; i < ran.size(); ++i) deliver(ran[i], false, failures[i].empty() ? broken : failures[i]);
    return;  // the units left in `batch` did not run: the caller queues them again
  }
  commits_.fetch_add(1, std::memory_order_relaxed);
  uint64_t committed = 0;
  for (size_t i = 0; i < ran.size(); ++i) {
    bool ok = failures[i].empty();
    committed += ok ? 1 : 0;
    deliver(ran[i], ok, std::move(failures[i]));
  }
  units_.fetch_add(committed, std::memory_order_relaxed);
  if (options_.on_commit)
    options_.on_commit(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(), committed);
}

size_t Writer::queued() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void Writer::run_alone(Unit& unit) {
  bool result = false;
  std::string error;
  if (db_ == nullptr) {
    error = start_error_;
  } else if (!file_still_ours()) {
    error = lost_;
  } else if (const auto began = std::chrono::steady_clock::now(); !control(*db_, "BEGIN IMMEDIATE", error)) {
    error = "cannot begin the store's transaction: " + error;
  } else {
    Database& db = *db_;
    result = call_work(unit.work, db, error);
    reset_busy_statements(db.handle());
    if (!in_transaction(db)) {
      if (result) error = "the work ended its transaction itself";
      result = false;
    } else if (result) {
      std::string commit_error;
      result = control(db, "COMMIT", commit_error);
      if (result) {
        commits_.fetch_add(1, std::memory_order_relaxed);
        units_.fetch_add(1, std::memory_order_relaxed);
        if (options_.on_commit) options_.on_commit(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(), 1);
      } else {
        error = "the store's COMMIT failed: " + commit_error;
        if (in_transaction(db)) control(db, "ROLLBACK", commit_error);
      }
    } else {
      std::string undo_error;
      control(db, "ROLLBACK", undo_error);
      if (error.empty()) error = "the work failed without saying why";
    }
  }
  Waiter& waiter = *unit.waiter;
  std::lock_guard lock(waiter.mutex);
  waiter.result = result;
  waiter.error = std::move(error);
  waiter.finished = true;
  waiter.finished_changed.notify_one();
}

}  // namespace wf::store

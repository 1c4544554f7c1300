// Tests of the store's writer: group commit of units from many threads, completions on the loop in
// submission order, a failing unit rolled back alone, a failed COMMIT, stop() draining the queue,
// and run_now for start-up work.
#include "runtime/store/writer.h"

#include <gtest/gtest.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/store/migrations.h"
#include "tests/runtime/store/temp_dir.h"

namespace wf::store {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

constexpr auto kPatience = 30s;  // how long anything here may take before the test gives up

// What the `done`s saw, shared with them so it outlives any delivery.
struct Outcomes {
  struct Outcome {
    bool committed;
    std::string error;
  };
  std::vector<Outcome> in_order;
  bool off_the_loop_thread = false;
};

// Holds the writer thread inside one unit until opened, so that the units submitted meanwhile
// wait together and make up the next batch.
class Gate {
 public:
  Writer::Work work() {
    return [this](Database&, std::string& error) {
      entered_.set_value();
      if (opened_.wait_for(kPatience) != std::future_status::ready) {
        error = "the gate was never opened";
        return false;
      }
      return true;
    };
  }
  bool wait_entered() { return entered_future_.wait_for(kPatience) == std::future_status::ready; }
  void open() { open_.set_value(); }

 private:
  std::promise<void> entered_;
  std::future<void> entered_future_ = entered_.get_future();
  std::promise<void> open_;
  std::shared_future<void> opened_ = open_.get_future().share();
};

Writer::Work insert_item(int64_t source, int64_t seq) {
  return [source, seq](Database& db, std::string& error) {
    Statement& insert = db.prepare("INSERT INTO items(source, seq) VALUES (?, ?)");
    if (insert.bind(1, source).bind(2, seq).run()) return true;
    error = insert.error();
    return false;
  };
}

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    ASSERT_TRUE(dir_.ok());
    path_ = dir_.file("store.db");
    auto db = open();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->exec("CREATE TABLE items(id INTEGER PRIMARY KEY, source INTEGER, seq INTEGER)"));
    loop_thread_ = std::this_thread::get_id();
  }

  void TearDown() override {
    uv_run(&loop_, UV_RUN_DEFAULT);  // the close of any writer's handle
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  std::unique_ptr<Database> open() {
    std::string error;
    auto db = Database::open(path_, {}, error);
    EXPECT_NE(db, nullptr) << error;
    return db;
  }

  Writer::Done record(const std::shared_ptr<Outcomes>& outcomes) {
    return [outcomes, loop_thread = loop_thread_](bool committed, const std::string& error) {
      if (std::this_thread::get_id() != loop_thread) outcomes->off_the_loop_thread = true;
      outcomes->in_order.push_back({committed, error});
    };
  }

  // Runs the loop until `finished` answers true (checked after every loop iteration) or
  // kPatience passes; false on the timeout.
  bool run_until(const std::function<bool()>& finished) {
    struct Watch {
      const std::function<bool()>* finished;
      bool timed_out = false;
    } watch{&finished};
    uv_check_t check;
    uv_timer_t deadline;
    check.data = &watch;
    deadline.data = &watch;
    uv_check_init(&loop_, &check);
    uv_timer_init(&loop_, &deadline);
    uv_check_start(&check, [](uv_check_t* handle) {
      if ((*static_cast<Watch*>(handle->data)->finished)()) uv_stop(handle->loop);
    });
    uv_timer_start(&deadline, [](uv_timer_t* handle) {
      static_cast<Watch*>(handle->data)->timed_out = true;
      uv_stop(handle->loop);
    }, std::chrono::duration_cast<std::chrono::milliseconds>(kPatience).count(), 0);
    if (!finished()) uv_run(&loop_, UV_RUN_DEFAULT);
    uv_close(reinterpret_cast<uv_handle_t*>(&check), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&deadline), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);  // completes the two closes before the handles go out of scope
    return !watch.timed_out && finished();
  }

  // Stops the writer and runs the loop until its handle has closed and every `done` has run.
  void stop(Writer& writer) {
    writer.stop();
    uv_run(&loop_, UV_RUN_DEFAULT);
  }

  int64_t count(const std::string& where = "1") {
    auto db = open();
    if (db == nullptr) return -1;
    Statement& query = db->prepare("SELECT count(*) FROM items WHERE " + where);
    EXPECT_TRUE(query.step()) << query.error();
    return query.column_int64(0);
  }

  uv_loop_t loop_;
  TempDir dir_;
  std::string path_;
  std::thread::id loop_thread_;
};

TEST_F(WriterTest, UnitsFromFourThreadsShareFewCommitsAndCompleteInOrder) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2500;
  Gate gate;  // outlives the writer, whose thread may wait in it
  Writer writer(open(), &loop_, {});
  writer.submit(gate.work(), nullptr);
  ASSERT_TRUE(gate.wait_entered());

  struct PerThread {
    std::vector<int> delivered;  // sequence numbers, in delivery order
    int failed = 0;
  };
  auto seen = std::make_shared<std::vector<PerThread>>(kThreads);
  auto total = std::make_shared<int>(0);
  auto off_loop = std::make_shared<bool>(false);
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&writer, seen, total, off_loop, t, loop_thread = loop_thread_] {
      for (int i = 0; i < kPerThread; ++i) {
        writer.submit(insert_item(t, i), [seen, total, off_loop, t, i, loop_thread](bool committed, const std::string&) {
          if (std::this_thread::get_id() != loop_thread) *off_loop = true;
          (*seen)[t].delivered.push_back(i);
          if (!committed) ++(*seen)[t].failed;
          ++*total;
        });
      }
    });
  }
  for (std::thread& submitter : submitters) submitter.join();
  gate.open();

  ASSERT_TRUE(run_until([&] { return *total == kThreads * kPerThread; })) << *total << " delivered";
  EXPECT_FALSE(*off_loop);
  for (int t = 0; t < kThreads; ++t) {
    const PerThread& each = (*seen)[t];
    EXPECT_EQ(each.failed, 0);
    ASSERT_EQ(each.delivered.size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) ASSERT_EQ(each.delivered[i], i) << "thread " << t;
  }
  EXPECT_EQ(writer.units(), static_cast<uint64_t>(kThreads * kPerThread + 1));
  // Everything waited behind the gate: batches of max_batch (1000), the gate's own, no more.
  EXPECT_LE(writer.commits(), 12u);
  EXPECT_GE(writer.commits(), 11u);
  EXPECT_EQ(count(), kThreads * kPerThread);
  stop(writer);
}

TEST_F(WriterTest, CommittedDataIsVisibleToAnotherConnectionWhenDoneRuns) {
  Writer writer(open(), &loop_, {});
  OpenOptions read_only;
  read_only.read_only = true;
  std::string error;
  std::shared_ptr<Database> reader = Database::open(path_, read_only, error);
  ASSERT_NE(reader, nullptr) << error;
  constexpr int kUnits = 200;
  auto visible = std::make_shared<std::vector<bool>>();
  for (int i = 0; i < kUnits; ++i) {
    writer.submit(insert_item(7, i), [reader, visible, i](bool committed, const std::string&) {
      Statement& query = reader->prepare("SELECT count(*) FROM items WHERE source = 7 AND seq = ?");
      query.bind(1, i);
      visible->push_back(committed && query.step() && query.column_int64(0) == 1);
      query.reset();
    });
  }
  ASSERT_TRUE(run_until([&] { return visible->size() == kUnits; }));
  for (int i = 0; i < kUnits; ++i) EXPECT_TRUE((*visible)[i]) << "unit " << i;
  stop(writer);
}

TEST_F(WriterTest, AFailingUnitIsRolledBackWhileItsBatchMatesCommit) {
  Gate gate;  // outlives the writer, whose thread may wait in it
  Writer writer(open(), &loop_, {});
  writer.submit(gate.work(), nullptr);
  ASSERT_TRUE(gate.wait_entered());
  auto outcomes = std::make_shared<Outcomes>();
  writer.submit(insert_item(1, 1), record(outcomes));
  writer.submit([](Database& db, std::string& error) {
    if (!insert_item(1, 2)(db, error)) return false;
    error = "refused after writing";
    return false;
  }, record(outcomes));
  writer.submit([](Database& db, std::string& error) -> bool {
    insert_item(1, 3)(db, error);
    throw std::runtime_error("broke after writing");
  }, record(outcomes));
  writer.submit(insert_item(1, 4), record(outcomes));
  writer.submit([](Database& db, std::string& error) {  // fails on a constraint
    return db.exec("INSERT INTO items(id) VALUES (1), (1)", &error);
  }, record(outcomes));
  writer.submit(insert_item(1, 5), record(outcomes));
  gate.open();

  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 6; }));
  const auto& seen = outcomes->in_order;
  EXPECT_TRUE(seen[0].committed) << seen[0].error;
  EXPECT_FALSE(seen[1].committed);
  EXPECT_EQ(seen[1].error, "refused after writing");
  EXPECT_FALSE(seen[2].committed);
  EXPECT_NE(seen[2].error.find("broke after writing"), std::string::npos) << seen[2].error;
  EXPECT_TRUE(seen[3].committed) << seen[3].error;
  EXPECT_FALSE(seen[4].committed);
  EXPECT_NE(seen[4].error.find("UNIQUE"), std::string::npos) << seen[4].error;
  EXPECT_TRUE(seen[5].committed) << seen[5].error;
  EXPECT_FALSE(outcomes->off_the_loop_thread);
  EXPECT_EQ(writer.commits(), 2u);  // the gate's batch, then all six together
  EXPECT_EQ(writer.units(), 4u);
  std::set<int64_t> committed;
  {
    auto db = open();
    Statement& query = db->prepare("SELECT seq FROM items WHERE source = 1");
    while (query.step()) committed.insert(query.column_int64(0));
  }
  EXPECT_EQ(committed, (std::set<int64_t>{1, 4, 5}));
  stop(writer);
}

TEST_F(WriterTest, AUnitThatEndsTheTransactionFailsWithWhatRanBeforeIt) {
  Gate gate;  // outlives the writer, whose thread may wait in it
  Writer writer(open(), &loop_, {});
  writer.submit(gate.work(), nullptr);
  ASSERT_TRUE(gate.wait_entered());
  auto outcomes = std::make_shared<Outcomes>();
  writer.submit(insert_item(2, 1), record(outcomes));
  writer.submit([](Database& db, std::string& error) { return db.exec("ROLLBACK", &error); }, record(outcomes));
  writer.submit(insert_item(2, 3), record(outcomes));
  gate.open();

  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 3; }));
  const auto& seen = outcomes->in_order;
  EXPECT_FALSE(seen[0].committed);
  EXPECT_NE(seen[0].error.find("transaction ended"), std::string::npos) << seen[0].error;
  EXPECT_FALSE(seen[1].committed);
  EXPECT_TRUE(seen[2].committed) << seen[2].error;  // ran again in a transaction of its own
  EXPECT_EQ(count("source = 2"), 1);
  EXPECT_EQ(count("source = 2 AND seq = 3"), 1);
  stop(writer);
}

TEST_F(WriterTest, AFailedCommitFailsTheWholeBatchAndTheWriterGoesOn) {
  {
    auto db = open();
    // A deferred foreign key is checked only at COMMIT, so one unit can make the COMMIT fail.
    ASSERT_TRUE(db->exec("CREATE TABLE parents(id INTEGER PRIMARY KEY);"
                         "CREATE TABLE children(parent_id INTEGER REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED)"));
  }
  Gate gate;  // outlives the writer, whose thread may wait in it
  Writer writer(open(), &loop_, {});
  writer.submit(gate.work(), nullptr);
  ASSERT_TRUE(gate.wait_entered());
  auto outcomes = std::make_shared<Outcomes>();
  writer.submit(insert_item(3, 1), record(outcomes));
  writer.submit([](Database& db, std::string& error) { return db.exec("INSERT INTO children VALUES (99)", &error); },
                record(outcomes));
  gate.open();
  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 2; }));
  for (const auto& outcome : outcomes->in_order) {
    EXPECT_FALSE(outcome.committed);
    EXPECT_NE(outcome.error.find("COMMIT failed"), std::string::npos) << outcome.error;
    EXPECT_NE(outcome.error.find("FOREIGN KEY"), std::string::npos) << outcome.error;
  }
  EXPECT_EQ(count("source = 3"), 0);

  writer.submit(insert_item(3, 2), record(outcomes));
  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 3; }));
  EXPECT_TRUE(outcomes->in_order[2].committed) << outcomes->in_order[2].error;
  EXPECT_EQ(count("source = 3"), 1);
  stop(writer);
}

// A unit built on another's changes must not commit when that one did not: the writer says so on
// its own thread (Abandoned) before any later unit runs — after a unit failed alone, and after a
// COMMIT that failed for the whole batch.
TEST_F(WriterTest, AnAbandonedUnitIsToldBeforeTheNextUnitRuns) {
  std::atomic<bool> fail_commit{false};
  Writer::Options options;
  options.fail_commit = [&fail_commit]() -> std::string { return fail_commit ? "disk full (injected)" : ""; };
  Gate gate;  // outlives the writer, whose thread may wait in it
  Writer writer(open(), &loop_, options);
  writer.submit(gate.work(), nullptr);
  ASSERT_TRUE(gate.wait_entered());
  auto outcomes = std::make_shared<Outcomes>();
  auto doomed = std::make_shared<std::atomic<bool>>(false);
  // The second unit fails; the third, built on it, checks the flag the second's abandonment set.
  auto built_on = [doomed](Database& db, std::string& error) {
    if (*doomed) return error = "built on a unit that failed", false;
    return insert_item(4, 3)(db, error);
  };
  writer.submit(insert_item(4, 1), record(outcomes));
  writer.submit([](Database&, std::string& error) { return error = "refused", false; }, record(outcomes),
                [doomed] { *doomed = true; });
  writer.submit(built_on, record(outcomes));
  gate.open();
  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 3; }));
  EXPECT_TRUE(outcomes->in_order[0].committed);
  EXPECT_FALSE(outcomes->in_order[1].committed);
  EXPECT_FALSE(outcomes->in_order[2].committed);
  EXPECT_EQ(outcomes->in_order[2].error, "built on a unit that failed");
  EXPECT_EQ(count("source = 4"), 1);

  // A COMMIT that fails abandons every unit of its batch, committed by none.
  fail_commit = true;
  auto abandoned = std::make_shared<std::atomic<int>>(0);
  writer.submit(insert_item(4, 4), record(outcomes), [abandoned] { ++*abandoned; });
  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 4; }));
  EXPECT_FALSE(outcomes->in_order[3].committed);
  EXPECT_NE(outcomes->in_order[3].error.find("disk full (injected)"), std::string::npos) << outcomes->in_order[3].error;
  EXPECT_EQ(*abandoned, 1);
  fail_commit = false;
  writer.submit(insert_item(4, 5), record(outcomes), [abandoned] { ++*abandoned; });
  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 5; }));
  EXPECT_TRUE(outcomes->in_order[4].committed) << outcomes->in_order[4].error;
  EXPECT_EQ(*abandoned, 1);  // a unit that committed is never abandoned
  EXPECT_EQ(count("source = 4"), 2);
  stop(writer);
}

TEST_F(WriterTest, MaxBatchBoundsTheUnitsPerTransaction) {
  Gate gate;  // outlives the writer, whose thread may wait in it
  Writer writer(open(), &loop_, {.max_batch = 10});
  writer.submit(gate.work(), nullptr);
  ASSERT_TRUE(gate.wait_entered());
  auto outcomes = std::make_shared<Outcomes>();
  for (int i = 0; i < 95; ++i) writer.submit(insert_item(4, i), record(outcomes));
  gate.open();
  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 95; }));
  EXPECT_EQ(writer.commits(), 1u + 10u);
  EXPECT_EQ(writer.units(), 96u);
  stop(writer);
}

TEST_F(WriterTest, StopRunsEverythingQueuedAndDeliversOnTheLoop) {
  auto outcomes = std::make_shared<Outcomes>();
  {
    Gate gate;  // outlives the writer, whose thread may wait in it
    Writer writer(open(), &loop_, {});
    writer.submit(gate.work(), nullptr);
    ASSERT_TRUE(gate.wait_entered());
    for (int i = 0; i < 100; ++i) writer.submit(insert_item(5, i), record(outcomes));
    gate.open();
    writer.stop();  // before the loop has run at all
    EXPECT_EQ(writer.units(), 101u);
    EXPECT_TRUE(outcomes->in_order.empty());  // completions wait for the loop

    // Once stopped, a unit is refused at once, on the caller's thread.
    bool refused = false;
    writer.submit(insert_item(5, 1000), [&refused](bool committed, const std::string& error) {
      refused = !committed && error.find("stopped") != std::string::npos;
    });
    EXPECT_TRUE(refused);
    std::string error;
    EXPECT_FALSE(writer.run_now([](Database&, std::string&) { return true; }, error));
    EXPECT_NE(error.find("stopped"), std::string::npos) << error;
  }  // the Writer is gone; its handle's close is still pending
  uv_run(&loop_, UV_RUN_DEFAULT);
  ASSERT_EQ(outcomes->in_order.size(), 100u);
  for (const auto& outcome : outcomes->in_order) EXPECT_TRUE(outcome.committed) << outcome.error;
  EXPECT_FALSE(outcomes->off_the_loop_thread);
  EXPECT_EQ(count("source = 5"), 100);
}

// Each committed transaction, a batch's or run_now's, is told to on_commit with its duration and
// its units: what /metrics makes its commit-latency and batch-size histograms of.
TEST_F(WriterTest, OnCommitHearsOfEveryCommitWithItsUnits) {
  Gate gate;  // outlives the writer, whose thread may wait in it
  auto heard = std::make_shared<std::vector<std::pair<double, size_t>>>();
  auto mutex = std::make_shared<std::mutex>();
  Writer::Options options;
  options.max_batch = 10;
  options.on_commit = [heard, mutex](double seconds, size_t units) {
    std::lock_guard lock(*mutex);
    heard->emplace_back(seconds, units);
  };
  Writer writer(open(), &loop_, std::move(options));
  std::string error;
  ASSERT_TRUE(writer.run_now(insert_item(7, 0), error)) << error;
  writer.submit(gate.work(), nullptr);
  ASSERT_TRUE(gate.wait_entered());
  auto outcomes = std::make_shared<Outcomes>();
  for (int i = 0; i < 15; ++i) writer.submit(insert_item(7, i + 1), record(outcomes));
  EXPECT_EQ(writer.queued(), 15u);
  gate.open();
  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 15; }));
  EXPECT_EQ(writer.queued(), 0u);
  stop(writer);
  std::lock_guard lock(*mutex);
  ASSERT_EQ(heard->size(), writer.commits());  // run_now's, the gate's alone, then 10 and 5
  std::vector<size_t> units;
  for (const auto& [seconds, n] : *heard) {
    EXPECT_GT(seconds, 0);
    units.push_back(n);
  }
  EXPECT_EQ(units, (std::vector<size_t>{1, 1, 10, 5}));
}

TEST_F(WriterTest, RunNowRunsAfterWhatIsQueuedAndReturnsItsResult) {
  Writer writer(open(), &loop_, {});
  auto outcomes = std::make_shared<Outcomes>();
  for (int i = 0; i < 10; ++i) writer.submit(insert_item(6, i), record(outcomes));

  const Migration migrations[] = {{1, "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT)"}};
  std::string error;
  EXPECT_TRUE(writer.run_now([&](Database& db, std::string& e) { return migrate(db, migrations, e); }, error)) << error;
  int64_t seen = -1;
  EXPECT_TRUE(writer.run_now([&](Database& db, std::string&) {
    Statement& query = db.prepare("SELECT count(*) FROM items WHERE source = 6");
    seen = query.step() ? query.column_int64(0) : -1;
    return true;
  }, error));
  EXPECT_EQ(seen, 10);

  // A failure is rolled back and reported; so is an exception.
  EXPECT_FALSE(writer.run_now([](Database& db, std::string& e) {
    db.exec("INSERT INTO settings VALUES ('a', 'b')");
    e = "changed my mind";
    return false;
  }, error));
  EXPECT_EQ(error, "changed my mind");
  EXPECT_FALSE(writer.run_now([](Database&, std::string&) -> bool { throw std::runtime_error("boom"); }, error));
  EXPECT_NE(error.find("boom"), std::string::npos) << error;
  EXPECT_EQ(count("1"), 10);
  {
    auto db = open();
    Statement& query = db->prepare("SELECT count(*) FROM settings");
    ASSERT_TRUE(query.step()) << query.error();
    EXPECT_EQ(query.column_int64(0), 0);
  }
  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 10; }));
  stop(writer);
}

TEST_F(WriterTest, ADoneThatThrowsDoesNotStopTheOthers) {
  Gate gate;  // outlives the writer, whose thread may wait in it
  Writer writer(open(), &loop_, {});
  writer.submit(gate.work(), nullptr);
  ASSERT_TRUE(gate.wait_entered());
  auto outcomes = std::make_shared<Outcomes>();
  writer.submit(insert_item(8, 1), [](bool, const std::string&) { throw std::runtime_error("careless"); });
  writer.submit(insert_item(8, 2), record(outcomes));
  gate.open();
  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 1; }));
  EXPECT_TRUE(outcomes->in_order[0].committed);
  stop(writer);
}

TEST_F(WriterTest, AWriterWithoutADatabaseFailsEveryUnit) {
  Writer writer(nullptr, &loop_, {});
  auto outcomes = std::make_shared<Outcomes>();
  writer.submit(insert_item(9, 1), record(outcomes));
  ASSERT_TRUE(run_until([&] { return outcomes->in_order.size() == 1; }));
  EXPECT_FALSE(outcomes->in_order[0].committed);
  EXPECT_NE(outcomes->in_order[0].error.find("no database"), std::string::npos);
  std::string error;
  EXPECT_FALSE(writer.run_now([](Database&, std::string&) { return true; }, error));
  EXPECT_NE(error.find("no database"), std::string::npos) << error;
  stop(writer);
}

}  // namespace
}  // namespace wf::store

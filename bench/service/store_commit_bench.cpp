// How many instance transitions per second the store can make durable (SPEC §4: synchronous=FULL,
// group commit): one transaction per fsync against the store's Writer batching many into one.
// A transition here is what the service writes for one step of an instance: its 800-byte
// continuation replaces the old one and a 200-byte event row is appended. Prints one JSON line
// per measurement.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <uv.h>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/store/database.h"
#include "runtime/store/writer.h"

namespace {

using wf::store::Database;
using wf::store::Statement;
using wf::store::Writer;
using Clock = std::chrono::steady_clock;

constexpr int kInstances = 1000;
constexpr size_t kStateBytes = 800;
constexpr size_t kEventBytes = 200;

struct Settings {
  std::string dir;
  double seconds = 2.0;
  int threads = 8;
  int window = 64;
};

// A scratch directory for one measurement's database, removed afterwards.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& parent) {
    std::string pattern = (std::filesystem::path(parent) / "wf-store-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  bool ok() const { return !path_.empty(); }
  std::string file(const char* name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Bytes that differ from one transition to the next, as a real continuation would.
std::string payload(size_t size, uint64_t counter) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((counter * 131 + i * 7) & 0xff);
  return bytes;
}

// The schema and kInstances instances, on a new database with synchronous=FULL.
std::unique_ptr<Database> prepare_database(const std::string& path, std::string& error) {
  auto db = Database::open(path, {}, error);
  if (db == nullptr) return nullptr;
  if (!db->exec("CREATE TABLE instances(id INTEGER PRIMARY KEY, state BLOB NOT NULL);"
                "CREATE TABLE events(id INTEGER PRIMARY KEY, instance_id INTEGER NOT NULL, body BLOB NOT NULL);"
                "BEGIN",
                &error)) {
    return nullptr;
  }
  std::string state = payload(kStateBytes, 0);
  Statement& insert = db->prepare("INSERT INTO instances(id, state) VALUES (?, ?)");
  for (int id = 1; id <= kInstances; ++id) {
    if (!insert.bind(1, id).bind_blob(2, state.data(), state.size()).run()) {
      error = insert.error();
      return nullptr;
    }
  }
  if (!db->exec("COMMIT", &error)) return nullptr;
  return db;
}

// One transition of one instance, inside whatever transaction the caller holds.
bool transition(Database& db, int64_t instance, uint64_t counter, std::string& error) {
  std::string state = payload(kStateBytes, counter);
  std::string event = payload(kEventBytes, counter);
  Statement& update = db.prepare("UPDATE instances SET state = ? WHERE id = ?");
  if (!update.bind_blob(1, state.data(), state.size()).bind(2, instance).run()) {
    error = update.error();
    return false;
  }
  Statement& append = db.prepare("INSERT INTO events(instance_id, body) VALUES (?, ?)");
  if (!append.bind(1, instance).bind_blob(2, event.data(), event.size()).run()) {
    error = append.error();
    return false;
  }
  return true;
}

void print(const nlohmann::json& line) { std::printf("%s\n", line.dump().c_str()); }

// (1) The single-commit bound: each transaction committed (one fsync) before the next begins.
bool measure_single(const Settings& settings) {
  ScratchDir scratch(settings.dir);
  std::string error;
  auto db = scratch.ok() ? prepare_database(scratch.file("single.db"), error) : nullptr;
  if (db == nullptr) {
    std::fprintf(stderr, "store_commit_bench: %s\n", scratch.ok() ? error.c_str() : "cannot create a scratch directory");
    return false;
  }
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(settings.seconds);
  uint64_t transactions = 0;
  while (Clock::now() < until) {
    if (!db->exec("BEGIN IMMEDIATE", &error) || !transition(*db, static_cast<int64_t>(transactions % kInstances) + 1, transactions, error) ||
        !db->exec("COMMIT", &error)) {
      std::fprintf(stderr, "store_commit_bench: %s\n", error.c_str());
      return false;
    }
    ++transactions;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  print({{"measurement", "single_commit"},
         {"sync", "full"},
         {"seconds", elapsed},
         {"transactions", transactions},
         {"transactions_per_second", transactions / elapsed},
         {"mean_commit_ms", elapsed * 1000.0 / static_cast<double>(transactions)}});
  return true;
}

// (2) The same transitions through the Writer from several threads, each keeping up to `window`
// units in flight (window 1: every thread waits for its commit, like an instance that must not go
// on before its step is durable).
bool measure_writer(const Settings& settings, int window) {
  ScratchDir scratch(settings.dir);
  std::string error;
  auto db = scratch.ok() ? prepare_database(scratch.file("writer.db"), error) : nullptr;
  if (db == nullptr) {
    std::fprintf(stderr, "store_commit_bench: %s\n", scratch.ok() ? error.c_str() : "cannot create a scratch directory");
    return false;
  }
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) return false;

  struct Submitter {
    std::mutex mutex;
    std::condition_variable slot_freed;
    int in_flight = 0;
    std::thread thread;
  };
  struct Run {
    std::unique_ptr<Writer> writer;
    std::vector<std::unique_ptr<Submitter>> submitters;
    std::atomic<bool> stopping{false};
    std::atomic<uint64_t> failures{0};
    std::atomic<uint64_t> latency_ns{0};  // summed over the units delivered before the timer
    std::atomic<uint64_t> delivered{0};
    Clock::time_point start;
    double elapsed = 0;
    uint64_t units = 0, commits = 0;
    std::string first_error;
    std::mutex error_mutex;
  } run;
  run.writer = std::make_unique<Writer>(std::move(db), &loop, Writer::Options{});

  run.start = Clock::now();
  for (int t = 0; t < settings.threads; ++t) {
    run.submitters.push_back(std::make_unique<Submitter>());
  }
  for (int t = 0; t < settings.threads; ++t) {
    Submitter& self = *run.submitters[t];
    self.thread = std::thread([&run, &self, t, window, threads = settings.threads] {
      for (uint64_t n = 0;; ++n) {
        {
          std::unique_lock lock(self.mutex);
          self.slot_freed.wait(lock, [&] { return run.stopping.load() || self.in_flight < window; });
          if (run.stopping.load()) return;
          ++self.in_flight;
        }
        const int64_t instance = static_cast<int64_t>((n * threads + t) % kInstances) + 1;
        const uint64_t counter = n * threads + t;
        const auto submitted = Clock::now();
        run.writer->submit(
            [instance, counter](Database& db, std::string& error) { return transition(db, instance, counter, error); },
            [&run, &self, submitted](bool committed, const std::string& error) {
              if (!run.stopping.load()) {
                run.latency_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - submitted).count();
                ++run.delivered;
              }
              if (!committed) {
                ++run.failures;
                std::lock_guard lock(run.error_mutex);
                if (run.first_error.empty()) run.first_error = error;
              }
              {
                std::lock_guard lock(self.mutex);
                --self.in_flight;
              }
              self.slot_freed.notify_one();
            });
      }
    });
  }

  // The measurement ends on the loop: snapshot the figures, let the submitters go, and stop the
  // writer (which commits what is queued and delivers it while its handle closes).
  uv_timer_t timer;
  timer.data = &run;
  uv_timer_init(&loop, &timer);
  uv_timer_start(&timer, [](uv_timer_t* handle) {
    Run& run = *static_cast<Run*>(handle->data);
    run.elapsed = std::chrono::duration<double>(Clock::now() - run.start).count();
    run.units = run.writer->units();
    run.commits = run.writer->commits();
    run.stopping = true;
    for (auto& submitter : run.submitters) {
      { std::lock_guard lock(submitter->mutex); }
      submitter->slot_freed.notify_all();
    }
    for (auto& submitter : run.submitters) submitter->thread.join();
    run.writer->stop();
    uv_close(reinterpret_cast<uv_handle_t*>(handle), nullptr);
  }, static_cast<uint64_t>(settings.seconds * 1000), 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  run.writer.reset();
  uv_loop_close(&loop);

  if (run.failures > 0) {
    std::fprintf(stderr, "store_commit_bench: %llu units failed, the first: %s\n",
                 static_cast<unsigned long long>(run.failures.load()), run.first_error.c_str());
    return false;
  }
  const uint64_t delivered = run.delivered.load();
  print({{"measurement", "writer_group_commit"},
         {"sync", "full"},
         {"threads", settings.threads},
         {"in_flight_per_thread", window},
         {"seconds", run.elapsed},
         {"units", run.units},
         {"commits", run.commits},
         {"units_per_second", run.units / run.elapsed},
         {"units_per_commit", run.commits > 0 ? static_cast<double>(run.units) / run.commits : 0.0},
         {"mean_unit_latency_ms", delivered > 0 ? run.latency_ns.load() / 1e6 / delivered : 0.0}});
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  settings.dir = std::filesystem::temp_directory_path().string();
  CLI::App app{"Measures durable store commits: one fsync per transaction against group commit."};
  app.add_option("--dir", settings.dir, "directory for the scratch databases (its disk is what is measured)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--seconds", settings.seconds, "length of each measurement")->check(CLI::Range(0.1, 600.0));
  app.add_option("--threads", settings.threads, "submitting threads for the writer")->check(CLI::Range(1, 256));
  app.add_option("--window", settings.window, "units each thread keeps in flight (besides the run with 1)")
      ->check(CLI::Range(1, 100000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is no error; a bad argument is a usage error
  }

  bool ok = measure_single(settings) && measure_writer(settings, 1);
  if (ok && settings.window != 1) ok = measure_writer(settings, settings.window);
  return ok ? 0 : 2;
}

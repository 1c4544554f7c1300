// An engine of `wf serve` in the test's own process, on a loop the test turns: a store in a
// directory of its own, one compiled workflow module every instance runs, a wall clock the test
// can step, and a switch that makes the store's COMMITs fail (as a full disk does). Every wait
// turns the loop in bounded steps.
#pragma once

#include <stdlib.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>

#include "compiler/lower/compile.h"
#include "effects/clock.h"
#include "runtime/engine/engine.h"
#include "runtime/store/approvals.h"
#include "runtime/store/instances.h"
#include "runtime/store/migrations.h"
#include "runtime/store/schema.h"
#include "vm/program.h"

namespace wf::engine::testing {

// What a Done heard.
struct Heard {
  bool called = false, ok = false;
  std::string error;
  Done done() {
    called = false;
    return [this](bool stored, const std::string& why) {
      called = true;
      ok = stored;
      error = why;
    };
  }
};

// The real clocks, with the wall clock shifted by what the test says.
class SteppedClock final : public Clock {
 public:
  explicit SteppedClock(uv_loop_t* loop) : loop_(loop) {}
  int64_t wall_ms() override { return effects::wall_clock_ms() + offset_ms; }
  int64_t monotonic_ms() override {
    uv_update_time(loop_);
    return static_cast<int64_t>(uv_now(loop_));
  }
  int64_t offset_ms = 0;

 private:
  uv_loop_t* loop_;
};

constexpr int64_t kOrg = 1;

class EngineHarness {
 public:
  // `max_batch` 1 commits every unit in a transaction of its own. With `reuse`, the store of an
  // earlier harness's directory (a restart), which this one then leaves in place.
  explicit EngineHarness(const std::string& source, size_t max_batch = 1000, std::filesystem::path reuse = {})
      : clock_(&loop_), keep_dir_(!reuse.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "wf-engine-test-XXXXXX").string();
    if (keep_dir_) dir_ = reuse;
    else if (::mkdtemp(pattern.data()) != nullptr) dir_ = pattern;
    uv_loop_init(&loop_);
    std::string error;
    const std::string path = (dir_ / "wf.db").string();
    auto db = store::Database::open(path, {}, error);
    if (!db || !store::migrate(*db, store::service_migrations(), error)) {
      error_ = "the store: " + error;
      return;
    }
    store::Writer::Options options;
    options.max_batch = max_batch;
    options.fail_commit = [this]() -> std::string {
      if (commits_fail) return "database or disk is full (injected)";
      if (commits_to_fail.load() > 0) {
        --commits_to_fail;
        return "database or disk is full (injected)";
      }
      return "";
    };
    writer_ = std::make_unique<store::Writer>(std::move(db), &loop_, options);
    reader_ = store::Database::open(path, {}, error);
    CompileResult compiled = compile_text("test.wf", source);
    if (!compiled.module) {
      error_ = "the workflow does not compile: " + compiled.error;
      for (const Diagnostic& d : compiled.compilation->diagnostics().all()) error_ += "\n" + d.message;
      return;
    }
    program_ = vm::load_program(std::move(*compiled.module), error);
    if (!program_ || !reader_) {
      error_ = "cannot load: " + error;
      return;
    }
    engine_ = std::make_unique<Engine>(&loop_, *writer_, *reader_, [this](int64_t, int64_t) { return program_; });
    engine_->set_clock(clock_);
    // A new store holds no instance to recover: what recovery does over later loop turns ends
    // at once, and an error from it is the harness's. A reused one is recovered before the
    // constructor returns.
    if (!engine_->recover(error, [this](bool ok, const std::string& why) {
          if (!ok) error_ = "recover: " + why;
        }))
      error_ = "recover: " + error;
    else if (keep_dir_ && !turn_until([this] { return !engine_->recovering(); }))
      error_ = "recover: not done in time";
  }

  ~EngineHarness() {
    if (engine_) engine_->close();
    if (writer_) writer_->stop();
    uv_run(&loop_, UV_RUN_DEFAULT);
    engine_.reset();
    writer_.reset();
    reader_.reset();
    uv_loop_close(&loop_);
    std::error_code ignored;
    if (!dir_.empty() && !keep_dir_ && !keep_store) std::filesystem::remove_all(dir_, ignored);
  }

  // Empty when the harness is ready.
  const std::string& error() const { return error_; }
  Engine& engine() { return *engine_; }
  store::Database& reader() { return *reader_; }
  SteppedClock& clock() { return clock_; }
  const std::filesystem::path& dir() const { return dir_; }
  bool keep_store = false;  // the directory outlives the harness (another one reuses it)
  std::atomic<bool> commits_fail{false};  // every COMMIT fails while set
  std::atomic<int> commits_to_fail{0};    // the next this many COMMITs fail

  // Starts the module's first workflow without arguments; the id, with its start committed.
  int64_t start(Trigger trigger = Trigger::Manual) {
    StartRequest request;
    request.trigger = trigger;
    request.org_id = kOrg;
    request.definition_id = 1;
    request.version = 1;
    request.program = program_;
    bool heard = false, stored = false;
    const int64_t id = engine_->start(std::move(request), [&](bool ok, const std::string&) { heard = true, stored = ok; });
    return turn_until([&] { return heard; }) && stored ? id : 0;
  }

  // Turns the loop until `done` holds or `timeout` passes.
  bool turn_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }
  // Turns the loop for `period`, whatever happens.
  void turn_for(std::chrono::milliseconds period) {
    turn_until([] { return false; }, period);
  }

  // The instance's status as stored ("" when there is no row).
  std::string stored_status(int64_t id) {
    auto row = store::instances::find(*reader_, kOrg, id);
    return row.ok() && *row ? std::string(store::name((*row)->status)) : std::string();
  }
  std::string approval_status(int64_t approval) {
    auto row = store::approvals::find(*reader_, kOrg, approval);
    return row.ok() && *row ? std::string(store::name((*row)->status)) : std::string();
  }

 private:
  uv_loop_t loop_{};
  SteppedClock clock_;
  bool keep_dir_ = false;
  std::filesystem::path dir_;
  std::string error_;
  std::unique_ptr<store::Writer> writer_;
  std::unique_ptr<store::Database> reader_;
  std::shared_ptr<const vm::Program> program_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace wf::engine::testing

// The engine's core (see engine.h): its handles, committing a transition's unit through the
// store's writer, and the post-commit outboxes every committed unit is handed to — queued jobs to
// the agents' polls, events to listeners.
#include "runtime/engine/engine.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "runtime/log/log.h"

namespace wf::engine {

namespace {

// How long a record that needs no fsync of its own (a job's start) waits for a unit to ride with
// before it is committed alone.
constexpr uint64_t kRideFlushMs = 50;

// At debug level, a line per instance a committed unit changed: where each now stands.
void log_transitions(const Changes& committed) {
  if (!log::enabled(log::Level::Debug)) return;
  for (const store::InstanceRow* r : store::last_of_each(committed.instances, [](const store::InstanceRow& r) { return r.id; }))
    log::debug("transition", {{"instance", r->id}, {"org", r->org_id}, {"workflow", r->workflow}, {"status", name(r->status)}});
}

}  // namespace

int64_t ServiceHost::now_ms() { return effects::wall_clock_ms(); }
vm::Value ServiceHost::localhost() { return effects::make_host("localhost", "localhost", "127.0.0.1", "linux"); }
vm::Value ServiceHost::env(std::string_view) { return vm::Value(); }  // the service's environment is not the workflow's

// Queued jobs of a committed unit join their queue and reach waiting polls: an agent never hears
// of a job whose row could still be lost.
class Engine::JobOutbox final : public PostCommit {
 public:
  explicit JobOutbox(Engine& engine) : engine_(engine) {}
  void released(const Changes& ch) override {
    std::set<QueueKey> queues;
    for (const JobRow& j : ch.jobs) {
      if (j.status != JobStatus::Queued) continue;
      auto it = engine_.jobs_.find(j.id);
      if (it == engine_.jobs_.end() || it->second->released) continue;
      it->second->released = true;
      engine_.enqueue(it->second->row);
      queues.insert({j.org_id, j.host});
    }
    for (const QueueKey& q : queues) engine_.feed_pollers(q);
  }

 private:
  Engine& engine_;
};

// Events of a committed unit reach the listeners (SSE streams), in id order.
class Engine::EventOutbox final : public PostCommit {
 public:
  explicit EventOutbox(Engine& engine) : engine_(engine) {}
  void released(const Changes& ch) override {
    for (const EventRow& e : ch.events) engine_.hear(e);
  }

 private:
  Engine& engine_;
};

Engine::Engine(uv_loop_t* loop, store::Writer& writer, store::Database& reader, ProgramLoader programs)
    : loop_(loop),
      writer_(writer),
      reader_(reader),
      programs_(std::move(programs)),
      job_outbox_(std::make_unique<JobOutbox>(*this)),
      event_outbox_(std::make_unique<EventOutbox>(*this)) {
  // uv_timer_init and uv_idle_init cannot fail on an initialized loop; their results are checked
  // all the same, since a handle that was not initialized must never be closed.
  if (int rc = uv_timer_init(loop_, &timer_); rc != 0) throw std::runtime_error(fmt::format("uv_timer_init: {}", uv_strerror(rc)));
  if (int rc = uv_timer_init(loop_, &sweeper_); rc != 0) throw std::runtime_error(fmt::format("uv_timer_init: {}", uv_strerror(rc)));
  if (int rc = uv_timer_init(loop_, &ride_flush_); rc != 0) throw std::runtime_error(fmt::format("uv_timer_init: {}", uv_strerror(rc)));
  if (int rc = uv_idle_init(loop_, &runnable_idle_); rc != 0) throw std::runtime_error(fmt::format("uv_idle_init: {}", uv_strerror(rc)));
  if (int rc = uv_idle_init(loop_, &recovery_idle_); rc != 0) throw std::runtime_error(fmt::format("uv_idle_init: {}", uv_strerror(rc)));
  clock_offset_ = clock_->wall_ms() - clock_->monotonic_ms();
  timer_.data = this;
  recovery_idle_.data = this;
  sweeper_.data = this;
  ride_flush_.data = this;
  runnable_idle_.data = this;
  add_outbox(*job_outbox_);
  add_outbox(*event_outbox_);
}

Engine::~Engine() = default;

void Engine::close() {
  uv_timer_stop(&timer_);
  uv_timer_stop(&sweeper_);
  uv_timer_stop(&ride_flush_);
  uv_idle_stop(&runnable_idle_);
  if (!riding_.empty()) commit(Changes{}, nullptr);  // the writer commits what is queued before it stops
  uv_idle_stop(&recovery_idle_);
  // The handles are members: nothing is freed when they close, and the loop runs until they have.
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sweeper_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&ride_flush_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&runnable_idle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&recovery_idle_), nullptr);
  on_recovered_ = nullptr;
  for (auto& [id, p] : pollers_) p->answer = nullptr;
}

// ---- committing --------------------------------------------------------------------------------

// Memory has changed already; should the unit not commit, engine_rollback.cpp puts it back as the
// store has it before `done` hears of the failure.
void Engine::commit(Changes ch, Done done) {
  ++transitions_;
  start_children(ch);
  if (!riding_.empty()) {
    // Records made before this unit go first in it: their rows are older than its own.
    Changes unit = std::move(riding_);
    riding_ = Changes{};
    unit.append(std::move(ch));
    ch = std::move(unit);
    uv_timer_stop(&ride_flush_);
  }
  if (std::vector<HandOut> handed = claim_for_waiting_polls(ch); !handed.empty()) {
    // The polls hear of their jobs once the hand-out is stored, whatever becomes of the unit.
    done = [this, handed = std::make_shared<std::vector<HandOut>>(std::move(handed)), done = std::move(done)](
               bool ok, const std::string& error) {
      answer_hand_outs(*handed, ok);
      if (done) done(ok, error);
    };
  }
  auto shared = std::make_shared<Changes>(std::move(ch));
  auto owners = std::make_shared<Owners>(owners_of(*shared));
  auto flags = std::make_shared<std::vector<Doomed>>();
  for (const auto& [owner, org] : *owners) flags->push_back(lineage(owner));
  submitting_ = true;  // a `done` called from inside submit means the writer has stopped
  writer_.submit(
      [shared, flags](store::Database& db, std::string& error) {
        for (const Doomed& f : *flags)
          if (f->load()) return error = "an earlier change of the same instance or job was not stored", false;
        return store::write_changes(db, *shared, error);
      },
      [this, shared, owners, flags, done = std::move(done)](bool ok, const std::string& error) {
        if (ok) {
          log_transitions(*shared);
          release(*shared);
          // The lineage of an owner that has ended is no longer needed once its end is stored.
          for (const auto& [owner, org] : *owners) {
            const bool live = owner.first == 'i' ? instances_.count(owner.second) > 0 : jobs_.count(owner.second) > 0;
            auto it = lineages_.find(owner);
            if (!live && it != lineages_.end() && !it->second->load()) lineages_.erase(it);
          }
        } else {
          log::error(fmt::format("a transition could not be stored: {}", error));
          if (!submitting_) roll_back(*owners, *flags);  // else the writer has stopped: the service is going down
        }
        if (done) done(ok, error);
      },
      [flags] {
        for (const Doomed& f : *flags) f->store(true);
      });
  submitting_ = false;
}

// A job's start need not be stored before anyone goes on: its hand-out, committed before the agent
// heard of the job, is what keeps it from running twice, and a start lost in a crash leaves the
// job `dispatched` until its report or its agent's heartbeat. Committed alone, it would cost an
// fsync while the job's process starts and hold the job's report behind it; riding with the next
// unit (usually that report's), it costs none.
void Engine::commit_with_next(Changes ch) {
  const bool first = riding_.empty();
  riding_.append(std::move(ch));
  if (first) {
    if (int rc = uv_timer_start(&ride_flush_, on_ride_flush, kRideFlushMs, 0); rc != 0) {
      log::error(fmt::format("cannot arm the ride timer ({}); committing now", uv_strerror(rc)));
      commit(Changes{}, nullptr);
    }
  }
}

void Engine::on_ride_flush(uv_timer_t* handle) {
  Engine* engine = static_cast<Engine*>(handle->data);
  try {
    if (!engine->riding_.empty()) engine->commit(Changes{}, nullptr);
  } catch (const std::exception& e) {
    // Nothing may unwind into libuv; the records ride with the next unit instead.
    log::error(fmt::format("committing job starts failed: {}", e.what()));
  }
}

// What a committed unit lets happen, through each outbox in turn.
void Engine::release(const Changes& ch) {
  for (PostCommit* outbox : outboxes_) outbox->released(ch);
}

LiveStatus Engine::status_of(int64_t id) const {
  auto it = instances_.find(id);
  if (it == instances_.end()) return {};
  const InstanceRow& r = it->second->row;
  return {std::string(name(r.status)), r.pause_reason ? std::string(name(*r.pause_reason)) : std::string()};
}

uint64_t Engine::subscribe(Listener l) {
  const uint64_t h = next_handle_++;
  listeners_[h] = std::move(l);
  return h;
}
void Engine::unsubscribe(uint64_t h) { listeners_.erase(h); }

void Engine::hear(const EventRow& e) {
  // A listener may unsubscribe (or subscribe) while hearing an event.
  std::vector<uint64_t> handles;
  for (const auto& [h, l] : listeners_) handles.push_back(h);
  for (uint64_t h : handles) {
    auto it = listeners_.find(h);
    if (it != listeners_.end()) it->second(e);
  }
}

Instance* Engine::find_live(int64_t org, int64_t id) {
  auto it = instances_.find(id);
  if (it == instances_.end() || it->second->row.org_id != org) return nullptr;
  return it->second.get();
}

}  // namespace wf::engine

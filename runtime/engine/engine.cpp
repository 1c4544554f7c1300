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

namespace wf::engine {

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
  if (int rc = uv_idle_init(loop_, &runnable_idle_); rc != 0) throw std::runtime_error(fmt::format("uv_idle_init: {}", uv_strerror(rc)));
  timer_.data = this;
  sweeper_.data = this;
  runnable_idle_.data = this;
  add_outbox(*job_outbox_);
  add_outbox(*event_outbox_);
}

Engine::~Engine() = default;

void Engine::close() {
  uv_timer_stop(&timer_);
  uv_timer_stop(&sweeper_);
  uv_idle_stop(&runnable_idle_);
  // The handles are members: nothing is freed when they close, and the loop runs until they have.
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sweeper_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&runnable_idle_), nullptr);
  for (auto& [id, p] : pollers_) p->answer = nullptr;
}

// ---- committing --------------------------------------------------------------------------------

void Engine::commit(Changes ch, Done done) {
  ++transitions_;
  start_children(ch);
  auto shared = std::make_shared<Changes>(std::move(ch));
  writer_.submit([shared](store::Database& db, std::string& error) { return store::write_changes(db, *shared, error); },
                 [this, shared, done = std::move(done)](bool ok, const std::string& error) {
                   if (ok) release(*shared);
                   else fmt::print(stderr, "wf serve: a transition could not be stored: {}\n", error);
                   if (done) done(ok, error);
                 });
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

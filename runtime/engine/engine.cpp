// Driving instances (see engine.h): starting them, running their VM between effects, recording
// each transition, and the operator's operations (cancel, pause, resume, retry, signal).
#include "runtime/engine/engine.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>

#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "vm/continuation.h"
#include "vm/render.h"

namespace wf::engine {

using effects::field;
using effects::field_int;
using effects::field_string;
using vm::Value;

namespace {

constexpr uint64_t kFuelPerSlice = 2'000'000;

// The instance-level @timeout of a workflow (annotation argument: milliseconds), or 0.
int64_t workflow_timeout_ms(const bytecode::Workflow& w) {
  for (const auto& a : w.annotations) {
    if (a.name != "timeout") continue;
    auto j = nlohmann::json::parse(a.args, nullptr, false);
    if (j.is_number_integer()) return j.get<int64_t>();
  }
  return 0;
}

std::string describe_effect(const vm::EffectRequest& r) {
  switch (r.kind) {
    case bytecode::EffectKind::Run: {
      const std::string script = field_string(r.args, "script");
      if (!script.empty()) return "run script " + script;
      const Value& job = field(r.args, "job");
      return "run " + (job.tag == vm::Tag::Str ? vm::render(job) : std::string("job"));
    }
    case bytecode::EffectKind::Approve: return "approve \"" + field_string(r.args, "title") + "\"";
    case bytecode::EffectKind::Sleep: return "sleep " + vm::format_duration(field_int(r.args, "duration"));
    case bytecode::EffectKind::SleepUntil: return "sleep until " + vm::format_instant(field_int(r.args, "time"));
    case bytecode::EffectKind::WaitEvent: return "wait event \"" + field_string(r.args, "event") + "\"";
    case bytecode::EffectKind::Child: return "run workflow " + field_string(r.args, "workflow");
    default: return std::string(bytecode::effect_name(r.kind));
  }
}

}  // namespace

Engine::Engine(uv_loop_t* loop, store::Writer& writer, store::Database& reader, ProgramLoader programs)
    : loop_(loop), writer_(writer), reader_(reader), programs_(std::move(programs)) {
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  uv_timer_init(loop_, &sweeper_);
  sweeper_.data = this;
  uv_idle_init(loop_, &runnable_idle_);
  runnable_idle_.data = this;
}

Engine::~Engine() = default;

void Engine::close() {
  uv_timer_stop(&timer_);
  uv_timer_stop(&sweeper_);
  uv_idle_stop(&runnable_idle_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sweeper_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&runnable_idle_), nullptr);
  for (auto& [id, p] : pollers_) p->answer = nullptr;
}

int64_t Engine::now_ms() { return effects::wall_clock_ms(); }
Value Engine::localhost() {
  return effects::make_host("localhost", "localhost", "127.0.0.1", "linux");
}
Value Engine::env(std::string_view) { return Value(); }  // the service's environment is not the workflow's

// ---- recording -------------------------------------------------------------------------------

void Engine::event(Changes& ch, std::optional<int64_t> instance, const std::string& type, nlohmann::json data) {
  EventRow e;
  e.id = next_event_id_++;
  e.instance_id = instance;
  e.at = effects::wall_clock_ms();
  e.type = type;
  nlohmann::json whole = {{"id", e.id}, {"type", type}, {"at", vm::format_instant(e.at)}, {"data", std::move(data)}};
  if (instance) whole["instance_id"] = *instance;
  e.data = whole.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ch.events.push_back(std::move(e));
}

void Engine::log(Instance& in, Changes& ch, const std::string& kind, const std::string& message) {
  LogRow r{in.row.id, in.next_log_seq++, effects::wall_clock_ms(), kind, message, ""};
  ch.log.push_back(r);
  // The workflow's own `log` lines are events; the other lines tell of steps, jobs and approvals,
  // which have events of their own.
  if (kind == "log") event(ch, in.row.id, "log", {{"message", message}});
}

int64_t Engine::open_step(Instance& in, Changes& ch, const std::string& kind, const std::string& name, std::optional<int64_t> seq) {
  StepRow r;
  r.instance_id = in.row.id;
  r.idx = in.next_step++;
  r.kind = kind;
  r.name = name;
  r.effect_seq = seq;
  r.status = "running";
  r.started_at = effects::wall_clock_ms();
  in.open_steps[r.idx] = r;
  ch.steps.push_back(r);
  event(ch, in.row.id, "step.started", {{"index", r.idx}, {"kind", kind}, {"name", name}});
  return r.idx;
}

void Engine::close_step(Instance& in, Changes& ch, int64_t idx, const std::string& status) {
  auto it = in.open_steps.find(idx);
  if (it == in.open_steps.end()) return;
  StepRow r = it->second;
  in.open_steps.erase(it);
  r.status = status;
  r.ended_at = effects::wall_clock_ms();
  ch.steps.push_back(r);
  event(ch, in.row.id, status == "completed" ? "step.completed" : "step.failed",
        {{"index", r.idx}, {"kind", r.kind}, {"name", r.name}, {"status", status}, {"duration_ms", *r.ended_at - r.started_at}});
}

void Engine::on_log(uint32_t, const std::string& message) {
  if (current_ && current_changes_) log(*current_, *current_changes_, "log", message);
}

void Engine::on_condition(uint32_t, const std::string& condition, bool value) {
  if (!current_ || !current_changes_) return;
  LogRow r{current_->row.id, current_->next_log_seq++, effects::wall_clock_ms(), "condition", fmt::format("if {} → {}", condition, value),
           nlohmann::json({{"condition", condition}, {"value", value}}).dump()};
  current_changes_->log.push_back(std::move(r));
}

void Engine::on_step(uint32_t fiber, const Value& info, vm::StepEvent e) {
  if (!current_ || !current_changes_) return;
  Instance& in = *current_;
  Changes& ch = *current_changes_;
  const std::string name = field_string(info, "name");
  auto& stack = in.step_stack[fiber];
  switch (e) {
    case vm::StepEvent::Enter:
      // A checkpoint (SPEC §3): a retry of a failed instance goes on from here.
      if (current_machine_) in.row.checkpoint = share(vm::snapshot(*current_machine_));
      stack.push_back(open_step(in, ch, "step", name, std::nullopt));
      log(in, ch, "step", fmt::format("step \"{}\" started", name));
      break;
    case vm::StepEvent::Leave:
    case vm::StepEvent::Fail:
      if (!stack.empty()) {
        close_step(in, ch, stack.back(), e == vm::StepEvent::Leave ? "completed" : "failed");
        stack.pop_back();
      }
      log(in, ch, "step", fmt::format("step \"{}\" {}", name, e == vm::StepEvent::Leave ? "completed" : "failed"));
      break;
  }
}

// ---- committing --------------------------------------------------------------------------------

void Engine::commit(Changes ch, Done done) {
  ++transitions_;
  while (!pending_children_.empty()) {
    std::vector<StartRequest> children;
    children.swap(pending_children_);
    for (StartRequest& c : children) {
      const int64_t parent = *c.parent_id;
      const uint64_t seq = static_cast<uint64_t>(*c.parent_seq);
      const int64_t child = launch(std::move(c), ch);
      auto p = instances_.find(parent);
      if (p == instances_.end()) continue;
      auto w = p->second->waits.find(seq);
      if (w != p->second->waits.end() && instances_.count(child)) w->second.child_id = child;
    }
  }
  auto shared = std::make_shared<Changes>(std::move(ch));
  writer_.submit([shared](store::Database& db, std::string& error) { return write_changes(db, *shared, error); },
                 [this, shared, done = std::move(done)](bool ok, const std::string& error) {
                   if (ok) release(*shared);
                   else fmt::print(stderr, "wf serve: a transition could not be stored: {}\n", error);
                   if (done) done(ok, error);
                 });
}

// What a committed unit lets happen: its queued jobs reach agents, its timers are armed (done
// when the rows were made), its events reach subscribers.
void Engine::release(const Changes& ch) {
  std::set<std::string> hosts;
  for (const JobRow& j : ch.jobs) {
    if (j.status != "queued") continue;
    auto it = jobs_.find(j.id);
    if (it == jobs_.end() || it->second->released) continue;
    it->second->released = true;
    enqueue(it->second->row);
    hosts.insert(j.host);
  }
  for (const std::string& h : hosts) feed_pollers(h);
  for (const EventRow& e : ch.events) {
    // A listener may unsubscribe (or subscribe) while hearing an event.
    std::vector<uint64_t> handles;
    for (const auto& [h, l] : listeners_) handles.push_back(h);
    for (uint64_t h : handles) {
      auto it = listeners_.find(h);
      if (it != listeners_.end()) it->second(e);
    }
  }
}

InstanceStatus Engine::status_of(int64_t id) const {
  auto it = instances_.find(id);
  if (it == instances_.end()) return {};
  return {it->second->row.status, it->second->row.pause_reason};
}

uint64_t Engine::subscribe(Listener l) {
  const uint64_t h = next_handle_++;
  listeners_[h] = std::move(l);
  return h;
}
void Engine::unsubscribe(uint64_t h) { listeners_.erase(h); }

// ---- driving -----------------------------------------------------------------------------------

int64_t Engine::start(StartRequest req, Done done) {
  Changes ch;
  const int64_t id = launch(std::move(req), ch);
  commit(std::move(ch), std::move(done));
  return id;
}

int64_t Engine::launch(StartRequest req, Changes& ch) {
  auto in = std::make_unique<Instance>();
  Instance& i = *in;
  i.program = req.program;
  i.workflow_index = req.workflow_index;
  const bytecode::Workflow& w = req.program->module.workflows[req.workflow_index];
  InstanceRow& r = i.row;
  r.id = next_instance_id_++;
  r.org_id = req.org_id;
  r.definition_id = req.definition_id;
  r.version = req.version;
  r.workflow = w.name;
  r.module_hash = req.program->module_hash;
  r.params = req.params_json;
  r.targets = req.targets_json;
  r.created_at = effects::wall_clock_ms();
  r.parent_id = req.parent_id;
  r.parent_fiber = req.parent_fiber;
  r.parent_seq = req.parent_seq;
  i.start_args = std::move(req.args);
  // A deferred start keeps its arguments as a value list where the continuation will be.
  event(ch, r.id, "instance.created", {{"workflow", r.workflow}, {"definition_id", r.definition_id}, {"version", r.version}});
  const int64_t id = r.id;
  if (req.scheduled_at && *req.scheduled_at > r.created_at) {
    r.status = "queued";
    r.scheduled_at = req.scheduled_at;
    r.continuation = share(vm::encode_values(*i.program, i.start_args));
    ch.instances.push_back(r);
    event(ch, id, "instance.status", {{"status", "queued"}, {"scheduled_at", *r.scheduled_at}});
    arm(*r.scheduled_at, Timer{Timer::Kind::DeferredStart, id, 0, {}});
    instances_[id] = std::move(in);
    return id;
  }
  instances_[id] = std::move(in);
  Instance& live = *instances_[id];
  auto m = std::make_unique<vm::Machine>(live.program, *this);
  r.status = "running";
  r.started_at = r.created_at;
  if (const int64_t t = workflow_timeout_ms(w); t > 0) {
    live.row.timeout_at = r.created_at + t;
    arm(*live.row.timeout_at, Timer{Timer::Kind::InstanceTimeout, id, 0, {}});
  }
  event(ch, id, "instance.status", {{"status", "running"}});
  log(live, ch, "instance", fmt::format("workflow {} started", r.workflow));
  current_ = &live;
  current_changes_ = &ch;
  current_machine_ = m.get();
  const bool started = m->start(w.function, std::move(live.start_args));
  current_ = nullptr;
  current_changes_ = nullptr;
  current_machine_ = nullptr;
  live.start_args.clear();
  // The first checkpoint is the start itself: retrying an instance that failed before any step
  // starts it again (SPEC §4.1).
  if (started) live.row.checkpoint = share(vm::snapshot(*m));
  if (!started) {
    finish_instance(live, *m, ch);
  } else {
    advance(live, ch, std::move(m));
  }
  return id;
}

// Runs the instance from its continuation (or `fresh`, just started) until every fiber waits,
// it ends, or its fuel is spent; records what that changed into `ch`.
void Engine::advance(Instance& in, Changes& ch, std::unique_ptr<vm::Machine> fresh) {
  std::unique_ptr<vm::Machine> m = std::move(fresh);
  if (!m) {
    m = std::make_unique<vm::Machine>(in.program, *this);
    if (const vm::RestoreResult r = vm::restore(*m, view(in.row.continuation)); !r.ok()) {
      in.row.status = "failed";
      in.row.error_message = "the continuation could not be restored: " + r.error;
      in.row.ended_at = effects::wall_clock_ms();
      log(in, ch, "error", in.row.error_message);
      event(ch, in.row.id, "instance.status", {{"status", "failed"}, {"error_message", in.row.error_message}});
      ch.instances.push_back(in.row);
      instances_.erase(in.row.id);
      return;
    }
  }
  current_ = &in;
  current_changes_ = &ch;
  current_machine_ = m.get();
  // Settled effects go in first, unless an operator has paused the instance.
  if (!in.row.operator_paused) deliver_ready(in, *m, ch);
  bool out_of_fuel = false;
  for (;;) {
    const vm::Status s = m->run(kFuelPerSlice);
    if (s == vm::Status::Completed || s == vm::Status::Failed) break;
    bool resumed = false;
    for (const vm::EffectRequest& r : m->take_effects()) handle_effect(in, *m, r, ch, resumed);
    for (const auto& [fiber, seq] : m->take_cancelled()) {
      auto it = in.waits.find(seq);
      if (it != in.waits.end()) {
        drop_wait(in, it->second, "cancelled", ch);
        ch.waits_removed.emplace_back(in.row.id, seq);
        in.waits.erase(it);
      }
    }
    if (resumed) continue;  // an effect answered at once: run on
    if (s == vm::Status::Running) {
      out_of_fuel = true;
      break;
    }
    // Settled while it ran (a run whose every host had a config failure, an event already sent).
    if (in.row.operator_paused || !deliver_ready(in, *m, ch)) break;
  }
  current_ = nullptr;
  current_changes_ = nullptr;
  current_machine_ = nullptr;
  if (m->status() == vm::Status::Completed || m->status() == vm::Status::Failed) {
    finish_instance(in, *m, ch);
    return;
  }
  if (m->status() == vm::Status::Waiting && in.waits.empty()) {
    // Nothing runs and nothing is awaited: the instance could never go on. A guard.
    m->abort(effects::make_error("failed", "the instance waits for nothing and cannot go on"));
    m->run(kFuelPerSlice);
    finish_instance(in, *m, ch);
    return;
  }
  in.row.continuation = share(vm::snapshot(*m));
  update_status(in, ch);
  ch.instances.push_back(in.row);
  if (out_of_fuel && !in.queued_to_run) {
    // Another instance's turn first (SPEC §3, fuel); the loop's idle phase goes on with it.
    in.queued_to_run = true;
    runnable_.push_back(in.row.id);
    uv_idle_start(&runnable_idle_, [](uv_idle_t* h) {
      auto* self = static_cast<Engine*>(h->data);
      std::vector<int64_t> ids;
      ids.swap(self->runnable_);
      uv_idle_stop(h);
      for (int64_t id : ids) {
        auto it = self->instances_.find(id);
        if (it == self->instances_.end()) continue;
        it->second->queued_to_run = false;
        try {
          Changes ch;
          self->advance(*it->second, ch);
          self->commit(std::move(ch), nullptr);
        } catch (const std::exception& e) {
          // Nothing may unwind into libuv; the instance stays as its last commit left it.
          fmt::print(stderr, "wf serve: instance {} could not go on: {}\n", id, e.what());
        }
      }
    });
  }
}

// Resumes the fibers whose effects are settled; false when none was.
bool Engine::deliver_ready(Instance& in, vm::Machine& m, Changes& ch) {
  std::vector<uint64_t> ready;
  for (auto& [seq, w] : in.waits)
    if (w.ready) ready.push_back(seq);
  for (uint64_t seq : ready) {
    Wait& w = in.waits[seq];
    if (w.ready_error) m.resume_error(w.fiber, w.seq, std::move(w.outcome));
    else m.resume(w.fiber, w.seq, std::move(w.outcome));
    ch.waits_removed.emplace_back(in.row.id, seq);
    in.waits.erase(seq);
  }
  return !ready.empty();
}

void Engine::update_status(Instance& in, Changes& ch) {
  std::string status = "running", reason;
  if (in.row.operator_paused) {
    status = "paused";
    reason = "operator";
  } else {
    bool busy = false, approval = false, delay = false, retry_delay = false;
    for (const auto& [seq, w] : in.waits) {
      switch (w.kind) {
        case bytecode::EffectKind::Approve: approval = true; break;
        case bytecode::EffectKind::Sleep:
          if (field_string(w.args, "reason") == "retry_delay") retry_delay = true;
          else delay = true;
          break;
        case bytecode::EffectKind::SleepUntil: delay = true; break;
        default: busy = true;
      }
    }
    if (!busy && (approval || delay || retry_delay)) {
      status = "paused";
      reason = approval ? "approval" : retry_delay ? "retry_delay" : "delay";
    }
  }
  if (status != in.row.status || reason != in.row.pause_reason) {
    in.row.status = status;
    in.row.pause_reason = reason;
    nlohmann::json data = {{"status", status}};
    if (!reason.empty()) data["pause_reason"] = reason;
    event(ch, in.row.id, "instance.status", std::move(data));
  }
}

void Engine::finish_instance(Instance& in, vm::Machine& m, Changes& ch) {
  InstanceRow& r = in.row;
  r.ended_at = effects::wall_clock_ms();
  r.pause_reason.clear();
  r.operator_paused = false;
  for (auto& [seq, w] : in.waits) {
    drop_wait(in, w, "cancelled", ch);
    ch.waits_removed.emplace_back(r.id, seq);
  }
  in.waits.clear();
  for (auto& [idx, step] : std::map<int64_t, StepRow>(in.open_steps)) close_step(in, ch, idx, "failed");
  if (m.status() == vm::Status::Completed) {
    r.status = "completed";
    r.result = vm::to_json_text(m.result());
    r.checkpoint.reset();
    log(in, ch, "instance", fmt::format("workflow {} completed", r.workflow));
  } else {
    const std::string kind = field_string(m.error(), "kind");
    r.status = kind == "cancelled" ? "cancelled" : (kind == "timeout" && r.timeout_at && effects::wall_clock_ms() >= *r.timeout_at) ? "timeout" : "failed";
    r.error = vm::to_json_text(m.error());
    r.error_message = field_string(m.error(), "message");
    if (r.error_message.empty()) r.error_message = kind;
    log(in, ch, "error", fmt::format("workflow {} {}: {}: {}", r.workflow, r.status, kind, r.error_message));
  }
  r.continuation = share(vm::snapshot(m));
  nlohmann::json data = {{"status", r.status}};
  if (!r.error_message.empty()) data["error_message"] = r.error_message;
  event(ch, r.id, "instance.status", std::move(data));
  ch.instances.push_back(r);
  std::unique_ptr<Instance> keep = std::move(instances_[r.id]);
  instances_.erase(r.id);
  deliver_to_parent(in, ch);
}

void Engine::deliver_to_parent(Instance& child, Changes& ch) {
  if (!child.row.parent_id || child.detached) return;
  auto it = instances_.find(*child.row.parent_id);
  if (it == instances_.end()) return;
  Instance& parent = *it->second;
  auto w = parent.waits.find(static_cast<uint64_t>(*child.row.parent_seq));
  if (w == parent.waits.end()) return;
  if (child.row.status == "completed") {
    auto j = nlohmann::ordered_json::parse(child.row.result, nullptr, false);
    settle_wait(parent, w->second, false, j.is_discarded() ? Value() : vm::from_json(j), ch);
  } else {
    settle_wait(parent, w->second, true,
                effects::make_error(child.row.status == "cancelled" ? "cancelled" : child.row.status == "timeout" ? "timeout" : "failed",
                                    fmt::format("workflow {} (instance {}) {}: {}", child.row.workflow, child.row.id,
                                                child.row.status, child.row.error_message)),
                ch);
  }
  if (!parent.row.operator_paused && !parent.queued_to_run) advance(parent, ch);
}

// An effect is answered: record it, and keep the answer until the instance takes it.
void Engine::settle_wait(Instance& in, Wait& w, bool is_error, Value outcome, Changes& ch) {
  if (w.ready) return;
  w.ready = true;
  w.ready_error = is_error;
  w.outcome = std::move(outcome);
  if (w.step >= 0) close_step(in, ch, w.step, is_error ? "failed" : "completed");
}

// The instance stops waiting for `w` (cancelled, or it ended): what it started is withdrawn.
void Engine::drop_wait(Instance& in, Wait& w, const std::string& why, Changes& ch) {
  for (const auto& [host, job_id] : w.round) {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end() || it->second->row.status != "queued") continue;  // in flight: it runs to its end
    LiveJob& job = *it->second;
    job.row.status = "cancelled";
    job.row.ended_at = effects::wall_clock_ms();
    queues_[job.row.host].erase({-job.row.priority, job.row.scheduled_at, job.row.id});
    ch.jobs.push_back(job.row);
    event(ch, in.row.id, "job.completed", {{"job_id", job.row.id}, {"host", job.row.host}, {"status", "cancelled"}});
    jobs_.erase(it);
  }
  if (w.approval_id) {
    auto it = approvals_.find(w.approval_id);
    if (it != approvals_.end()) {
      it->second->row.status = why == "cancelled" ? "cancelled" : "expired";
      it->second->row.decided_at = effects::wall_clock_ms();
      ch.approvals.push_back(it->second->row);
      event(ch, in.row.id, "approval.decided", {{"approval_id", w.approval_id}, {"status", it->second->row.status}});
      approvals_.erase(it);
    }
  }
  if (w.child_id) {
    auto it = instances_.find(w.child_id);
    if (it != instances_.end()) {
      // Its end must not reach back into the parent, whose waits are being taken apart.
      it->second->detached = true;
      abort_instance(*it->second, "cancelled", "the parent instance stopped waiting for it", ch);
    }
  }
  if (w.step >= 0) close_step(in, ch, w.step, "cancelled");
}

// Raises an uncatchable error into the instance (cancel, @timeout): its finally blocks and
// checkins still run, and may ask for effects of their own.
void Engine::abort_instance(Instance& in, const std::string& kind, const std::string& message, Changes& ch) {
  for (auto& [seq, w] : in.waits) {
    drop_wait(in, w, "cancelled", ch);
    ch.waits_removed.emplace_back(in.row.id, seq);
  }
  in.waits.clear();
  in.row.operator_paused = false;
  log(in, ch, "instance", message);
  if (in.row.status == "queued") {
    in.row.status = kind == "timeout" ? "timeout" : "cancelled";
    in.row.ended_at = effects::wall_clock_ms();
    in.row.error_message = message;
    in.row.error = vm::to_json_text(effects::make_error(kind, message));
    event(ch, in.row.id, "instance.status", {{"status", in.row.status}});
    ch.instances.push_back(in.row);
    instances_.erase(in.row.id);
    return;
  }
  auto m = std::make_unique<vm::Machine>(in.program, *this);
  if (const vm::RestoreResult r = vm::restore(*m, view(in.row.continuation)); !r.ok()) {
    advance(in, ch);  // reports the broken continuation
    return;
  }
  m->abort(effects::make_error(kind, message));
  advance(in, ch, std::move(m));
}

void Engine::handle_effect(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch, bool& resumed) {
  using bytecode::EffectKind;
  switch (r.kind) {
    case EffectKind::Notify: {
      std::vector<std::string> to;
      const Value& channels = field(r.args, "to");
      if (channels.tag == vm::Tag::List)
        for (const Value& c : vm::as_list(channels)) to.push_back(vm::render(c));
      const std::string message = field_string(r.args, "message");
      log(in, ch, "notify", fmt::format("notify {}: {}", fmt::join(to, ", "), message));
      event(ch, in.row.id, "notification", {{"to", to}, {"message", message}});
      m.resume(r.fiber, r.seq, Value());
      resumed = true;
      return;
    }
    case EffectKind::Checkin: {
      const Value& credential = field(r.args, "credential");
      const std::string session = field_string(credential, "session");
      if (!session.empty()) {
        ch.sessions_checked_in.emplace_back(session, effects::wall_clock_ms());
        log(in, ch, "checkin", fmt::format("checkin {}", field_string(credential, "identity")));
      }
      m.resume(r.fiber, r.seq, Value());
      resumed = true;
      return;
    }
    case EffectKind::Checkout: {
      // Answered at once from the vault: the credential carries a session handle, never the
      // secret, which reaches only a running job through its agent.
      const std::string name = field_string(r.args, "identity");
      const std::optional<IdentityInfo> identity = identities_ ? identities_(in.row.org_id, name) : std::nullopt;
      if (!identity) {
        m.resume_error(r.fiber, r.seq, effects::make_error("not_found", fmt::format("no identity `{}` in the vault", name)));
      } else if (identity->requires_approval) {
        m.resume_error(r.fiber, r.seq,
                       effects::make_error("permission", fmt::format("checking out `{}` needs an approval, which this service "
                                                                     "does not take for checkouts yet",
                                                                     name)));
      } else {
        const std::string session = fmt::format("cs-{}-{}", in.row.id, r.seq);
        ch.sessions_opened.push_back({session, name, in.row.org_id, in.row.id, effects::wall_clock_ms()});
        log(in, ch, "checkout", fmt::format("checkout {} as {} ({})", name, identity->username, field_string(r.args, "reason")));
        m.resume(r.fiber, r.seq,
                 effects::make_builtin("credential", {{"username", vm::make_string(identity->username)},
                                                      {"domain", vm::make_string(identity->domain)},
                                                      {"credential_type", vm::make_string(identity->credential_type)},
                                                      {"identity", vm::make_string(name)},
                                                      {"session", vm::make_string(session)}}));
      }
      resumed = true;
      return;
    }
    default: break;
  }
  Wait& w = in.waits[r.seq];
  w.kind = r.kind;
  w.fiber = r.fiber;
  w.seq = r.seq;
  w.args = r.args;
  w.step = open_step(in, ch, std::string(bytecode::effect_name(r.kind)), describe_effect(r), static_cast<int64_t>(r.seq));
  WaitRow row{in.row.id, r.seq, r.fiber, std::string(bytecode::effect_name(r.kind)), vm::encode_values(*in.program, {r.args}),
              effects::wall_clock_ms(), std::nullopt};
  switch (r.kind) {
    case EffectKind::Run: begin_run(in, w, ch); break;
    case EffectKind::Approve: begin_approval(in, w, ch); break;
    case EffectKind::Sleep:
    case EffectKind::SleepUntil: {
      int64_t due = effects::wall_clock_ms();
      if (r.kind == EffectKind::SleepUntil) due = field_int(r.args, "time");
      else {
        int64_t ms = field_int(r.args, "duration");
        if (field_string(r.args, "reason") == "retry_delay") {
          const Value& b = field(r.args, "backoff");
          const double backoff = b.tag == vm::Tag::Float ? b.f : b.tag == vm::Tag::Int ? static_cast<double>(b.i) : 1.0;
          ms = static_cast<int64_t>(static_cast<double>(ms) * std::pow(backoff, static_cast<double>(field_int(r.args, "attempt") - 1)));
        }
        due += ms;
      }
      w.due_at = due;
      row.due_at = due;
      // Even a sleep already due yields: the transition that reached it is committed (in the
      // writer's order) and the instance goes on at the loop's next turn, so `sleep 0s` is a
      // durable point like any other effect.
      arm(due, Timer{Timer::Kind::Sleep, in.row.id, r.seq, {}});
      break;
    }
    case EffectKind::WaitEvent: {
      w.event = field_string(r.args, "event");
      const int64_t timeout = field_int(r.args, "timeout");
      if (timeout > 0) {
        w.due_at = effects::wall_clock_ms() + timeout;
        row.due_at = w.due_at;
        arm(*w.due_at, Timer{Timer::Kind::EventTimeout, in.row.id, r.seq, {}});
      }
      // An event that arrived before the instance asked for it.
      auto& q = reader_.prepare("SELECT payload FROM signals WHERE instance_id = ?1 AND event = ?2 ORDER BY rowid LIMIT 1");
      q.bind(1, in.row.id).bind(2, std::string_view(w.event));
      if (q.step()) {
        auto j = nlohmann::ordered_json::parse(q.column_text(0), nullptr, false);
        ch.signals_taken.emplace_back(in.row.id, w.event);
        settle_wait(in, w, false, j.is_discarded() ? Value() : vm::from_json(j), ch);
      }
      q.reset();
      break;
    }
    case EffectKind::Child: {
      const std::string name = field_string(r.args, "workflow");
      uint32_t index = 0;
      const auto& wfs = in.program->module.workflows;
      for (; index < wfs.size(); ++index)
        if (wfs[index].name == name) break;
      if (index == wfs.size()) {
        settle_wait(in, w, true, effects::make_error("not_found", "no workflow " + name), ch);
        break;
      }
      std::vector<Value> args;
      const Value& rec = field(r.args, "args");
      if (rec.tag == vm::Tag::Record) args = vm::as_record(rec).fields;
      StartRequest child;
      child.org_id = in.row.org_id;
      child.definition_id = in.row.definition_id;
      child.version = in.row.version;
      child.program = in.program;
      child.workflow_index = index;
      child.args = std::move(args);
      child.parent_id = in.row.id;
      child.parent_fiber = r.fiber;
      child.parent_seq = static_cast<int64_t>(r.seq);
      // Started once this machine has stopped (commit()), in the same unit.
      pending_children_.push_back(std::move(child));
      break;
    }
    default: break;
  }
  ch.waits_added.push_back(std::move(row));
}

// ---- operations --------------------------------------------------------------------------------

OpResult Engine::cancel(int64_t id, Done done) {
  auto it = instances_.find(id);
  if (it == instances_.end()) return {Outcome::Conflict, "the instance has already ended"};
  Changes ch;
  abort_instance(*it->second, "cancelled", "cancelled by an operator", ch);
  commit(std::move(ch), std::move(done));
  return {};
}

OpResult Engine::pause(int64_t id, Done done) {
  auto it = instances_.find(id);
  if (it == instances_.end()) return {Outcome::Conflict, "the instance has already ended"};
  Instance& in = *it->second;
  if (in.row.status == "queued") return {Outcome::Conflict, "the instance has not started"};
  if (in.row.operator_paused) return {Outcome::Conflict, "the instance is already paused"};
  Changes ch;
  in.row.operator_paused = true;
  log(in, ch, "instance", "paused by an operator");
  update_status(in, ch);
  ch.instances.push_back(in.row);
  commit(std::move(ch), std::move(done));
  return {};
}

OpResult Engine::resume(int64_t id, Done done) {
  auto it = instances_.find(id);
  if (it == instances_.end()) return {Outcome::Conflict, "the instance has already ended"};
  Instance& in = *it->second;
  if (!in.row.operator_paused) return {Outcome::Conflict, "the instance is not paused by an operator"};
  Changes ch;
  in.row.operator_paused = false;
  log(in, ch, "instance", "resumed by an operator");
  bool any_ready = false;
  for (auto& [seq, w] : in.waits) any_ready = any_ready || w.ready;
  if (any_ready) advance(in, ch);
  else {
    update_status(in, ch);
    ch.instances.push_back(in.row);
  }
  commit(std::move(ch), std::move(done));
  return {};
}

OpResult Engine::retry(int64_t id, Done done) {
  if (instances_.count(id)) return {Outcome::Conflict, "only a failed instance can be retried"};
  auto& q = reader_.prepare(
      "SELECT status, definition_id, version, workflow, checkpoint, org_id, params, targets, created_at, started_at, "
      "continuation FROM instances WHERE id = ?1");
  q.bind(1, id);
  if (!q.step()) {
    q.reset();
    return {Outcome::NotFound, fmt::format("no instance {}", id)};
  }
  const std::string status = q.column_text(0);
  if (status != "failed") {
    q.reset();
    return {Outcome::Conflict, fmt::format("instance {} is {}: only a failed instance can be retried", id, status)};
  }
  auto in = std::make_unique<Instance>();
  InstanceRow& r = in->row;
  r.id = id;
  r.definition_id = q.column_int64(1);
  r.version = q.column_int64(2);
  r.workflow = q.column_text(3);
  const std::string_view cp = q.column_blob(4);
  std::vector<uint8_t> checkpoint(cp.begin(), cp.end());
  r.org_id = q.column_int64(5);
  r.params = q.column_text(6);
  r.targets = q.column_text(7);
  r.created_at = q.column_int64(8);
  r.started_at = q.column_is_null(9) ? std::optional<int64_t>() : q.column_int64(9);
  q.reset();
  in->program = programs_(r.definition_id, r.version);
  if (!in->program) return {Outcome::Conflict, "the instance's definition version no longer exists"};
  r.module_hash = in->program->module_hash;
  for (uint32_t k = 0; k < in->program->module.workflows.size(); ++k)
    if (in->program->module.workflows[k].name == r.workflow) in->workflow_index = k;
  auto& s = reader_.prepare("SELECT COALESCE(MAX(idx) + 1, 0) FROM steps WHERE instance_id = ?1");
  s.bind(1, id);
  if (s.step()) in->next_step = s.column_int64(0);
  s.reset();
  auto& l = reader_.prepare("SELECT COALESCE(MAX(seq) + 1, 1) FROM instance_log WHERE instance_id = ?1");
  l.bind(1, id);
  if (l.step()) in->next_log_seq = l.column_int64(0);
  l.reset();
  Instance& live = *in;
  instances_[id] = std::move(in);
  Changes ch;
  r.status = "running";
  r.ended_at.reset();
  r.error.clear();
  r.error_message.clear();
  r.result.clear();
  std::unique_ptr<vm::Machine> m;
  if (!checkpoint.empty()) {
    // Back to the failed step's checkpoint, with the variables as they were when it was entered.
    m = std::make_unique<vm::Machine>(live.program, *this);
    if (!vm::restore(*m, checkpoint).ok()) m.reset();
    else log(live, ch, "instance", "retried from the last checkpoint");
  }
  if (!m) {
    instances_.erase(id);
    return {Outcome::Conflict, "the instance failed before its first step: it has no checkpoint to retry from; start it again"};
  }
  live.row.checkpoint = share(checkpoint);
  event(ch, id, "instance.status", {{"status", "running"}});
  advance(live, ch, std::move(m));
  commit(std::move(ch), std::move(done));
  return {};
}

OpResult Engine::signal(int64_t id, const std::string& event_name, const std::string& payload, Done done) {
  auto it = instances_.find(id);
  if (it == instances_.end()) return {Outcome::Conflict, "the instance has already ended"};
  Instance& in = *it->second;
  Changes ch;
  Wait* target = nullptr;
  for (auto& [seq, w] : in.waits)
    if (w.kind == bytecode::EffectKind::WaitEvent && !w.ready && w.event == event_name) {
      target = &w;
      break;
    }
  if (target) {
    auto j = nlohmann::ordered_json::parse(payload, nullptr, false);
    log(in, ch, "event", fmt::format("event \"{}\" received", event_name));
    settle_wait(in, *target, false, j.is_discarded() ? Value() : vm::from_json(j), ch);
    if (!in.row.operator_paused) advance(in, ch);
    } else {
    // Kept until the instance waits for it.
    ch.signals_added.push_back({id, event_name, payload, effects::wall_clock_ms()});
    log(in, ch, "event", fmt::format("event \"{}\" received before it was awaited", event_name));
  }
  commit(std::move(ch), std::move(done));
  return {};
}

}  // namespace wf::engine

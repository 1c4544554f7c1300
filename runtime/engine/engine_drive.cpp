// Driving an instance (see engine.h): running its machine between effects, handing each effect it
// asks for to that effect's file, settling and withdrawing waits, its status, and its end.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "runtime/engine/transition.h"
#include "vm/continuation.h"
#include "vm/render.h"
#include "runtime/log/log.h"

namespace wf::engine {

using effects::field;
using effects::field_int;
using effects::field_string;
using vm::Value;

namespace {

constexpr uint64_t kFuelPerSlice = 2'000'000;

}  // namespace

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
    case bytecode::EffectKind::Checkout: return "checkout " + field_string(r.args, "identity");
    default: return std::string(bytecode::effect_name(r.kind));
  }
}

void Engine::advance(Instance& in, Changes& ch) {
  Transition t(*this, in, ch);
  if (const vm::RestoreResult r = t.restore(view(in.row.continuation)); !r.ok()) {
    in.row.status = InstanceStatus::Failed;
    in.row.error_message = "the continuation could not be restored: " + r.error;
    in.row.ended_at = effects::wall_clock_ms();
    log(in, ch, "error", in.row.error_message);
    event(in, ch, "instance.status", {{"status", "failed"}, {"error_message", in.row.error_message}});
    ch.instances.push_back(in.row);
    instances_.erase(in.row.id);
    return;
  }
  advance(t);
}

// Runs the transition's machine until every fiber waits, it ends, or its fuel is spent; records
// what that changed.
void Engine::advance(Transition& t) {
  Instance& in = t.instance();
  Changes& ch = t.changes();
  vm::Machine& m = t.machine();
  // Settled effects go in first, unless an operator has paused the instance.
  if (!in.row.operator_paused) deliver_ready(in, m, ch);
  bool out_of_fuel = false;
  for (;;) {
    const vm::Status s = m.run(kFuelPerSlice);
    if (s == vm::Status::Completed || s == vm::Status::Failed) break;
    bool resumed = false;
    for (const vm::EffectRequest& r : m.take_effects()) handle_effect(in, m, r, ch, resumed);
    for (const auto& [fiber, seq] : m.take_cancelled()) {
      auto it = in.waits.find(seq);
      if (it != in.waits.end()) {
        drop_wait(in, it->second, "cancelled", "cancelled: the workflow no longer waits for it", ch);
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
    if (in.row.operator_paused || !deliver_ready(in, m, ch)) break;
  }
  if (m.status() == vm::Status::Completed || m.status() == vm::Status::Failed) {
    finish_instance(in, m, ch);
    return;
  }
  if (m.status() == vm::Status::Waiting && in.waits.empty()) {
    // Nothing runs and nothing is awaited: the instance could never go on. A guard.
    m.abort(effects::make_error(stdlib::ErrorKind::Failed, "the instance waits for nothing and cannot go on"));
    m.run(kFuelPerSlice);
    finish_instance(in, m, ch);
    return;
  }
  in.row.continuation = share(vm::snapshot(m));
  update_status(in, ch);
  ch.instances.push_back(in.row);
  if (out_of_fuel) go_on_later(in);
}

// Out of fuel: another instance's turn first (SPEC §3, fuel); the loop's idle phase goes on with
// this one.
void Engine::go_on_later(Instance& in) {
  if (in.queued_to_run) return;
  in.queued_to_run = true;
  runnable_.push_back(in.row.id);
  if (int rc = uv_idle_start(&runnable_idle_, on_runnable); rc != 0)
    log::error(fmt::format("cannot schedule instance {}: {}", in.row.id, uv_strerror(rc)));
}

void Engine::on_runnable(uv_idle_t* handle) {
  auto* self = static_cast<Engine*>(handle->data);
  std::vector<int64_t> ids;
  ids.swap(self->runnable_);
  uv_idle_stop(handle);
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
      log::error(fmt::format("instance {} could not go on: {}", id, e.what()));
    }
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

// An effect the machine asks for: answered at once (notify, checkout, checkin), or a wait made
// durable by its effect's file.
void Engine::handle_effect(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch, bool& resumed) {
  using bytecode::EffectKind;
  switch (r.kind) {
    case EffectKind::Notify: notify(in, m, r, ch); resumed = true; return;
    case EffectKind::Checkin: checkin(in, m, r, ch); resumed = true; return;
    default: break;
  }
  // A checkout that needs an approval waits on it, its arguments those of the request.
  vm::EffectRequest waited = r;
  if (r.kind == EffectKind::Checkout && checkout(in, m, r, ch, waited.args)) {
    resumed = true;
    return;
  }
  Wait& w = in.waits[r.seq];
  w.kind = r.kind;
  w.fiber = r.fiber;
  w.seq = r.seq;
  w.args = waited.args;
  WaitRow row{in.row.id, r.seq, r.fiber, std::string(bytecode::effect_name(r.kind)), vm::encode_values(*in.program, {waited.args}),
              effects::wall_clock_ms(), std::nullopt};
  if (held_by_kill_switch(in, m)) return withhold(in, w, row, describe_effect(waited), ch);
  begin_effect(in, w, m, waited, std::move(row), ch);
}

void Engine::begin_effect(Instance& in, Wait& w, const vm::Machine& m, const vm::EffectRequest& r, WaitRow row, Changes& ch) {
  using bytecode::EffectKind;
  w.step = open_step(in, ch, std::string(bytecode::effect_name(r.kind)), describe_effect(r), static_cast<int64_t>(r.seq));
  if (!begin_step_timeout(in, w, m, r, ch)) {
    ch.waits_added.push_back(std::move(row));
    return;
  }
  switch (r.kind) {
    case EffectKind::Run: arm_run(in, w, ch); break;
    case EffectKind::Approve:
    case EffectKind::Checkout: arm_approval(in, w, ch); break;
    case EffectKind::Sleep:
    case EffectKind::SleepUntil: arm_sleep(in, w, row, r); break;
    case EffectKind::WaitEvent: {
      std::string error;
      if (!arm_wait_event(in, w, row, ch, error))
        settle_wait(in, w, true, effects::make_error(stdlib::ErrorKind::Failed, "the store could not be read: " + error), ch);
      break;
    }
    case EffectKind::Child: arm_child(in, w, r, ch); break;
    default: break;
  }
  ch.waits_added.push_back(std::move(row));
}

bool Engine::update_status(Instance& in, Changes& ch) {
  InstanceStatus status = InstanceStatus::Running;
  std::optional<PauseReason> reason;
  if (in.row.operator_paused) {
    status = InstanceStatus::Paused;
    reason = PauseReason::Operator;
  } else if (in.row.kill_switch_paused) {
    status = InstanceStatus::Paused;
    reason = PauseReason::KillSwitch;
  } else {
    bool busy = false, approval = false, pam_approval = false, delay = false, retry_delay = false;
    const int64_t now = monotonic_now();
    for (const auto& [seq, w] : in.waits) {
      switch (w.kind) {
        case bytecode::EffectKind::Approve: approval = true; break;
        case bytecode::EffectKind::Checkout: pam_approval = true; break;
        case bytecode::EffectKind::Run:
          // Between a run's retries every job of its round waits, queued, for a later time.
          if (waits_to_retry(w, now)) retry_delay = true;
          else busy = true;
          break;
        case bytecode::EffectKind::Sleep:
          if (field_string(w.args, "reason") == "retry_delay") retry_delay = true;
          else delay = true;
          break;
        case bytecode::EffectKind::SleepUntil: delay = true; break;
        default: busy = true;
      }
    }
    if (!busy && (approval || pam_approval || delay || retry_delay)) {
      status = InstanceStatus::Paused;
      reason = approval ? PauseReason::Approval : pam_approval ? PauseReason::PamApproval : retry_delay ? PauseReason::RetryDelay : PauseReason::Delay;
    }
  }
  if (status != in.row.status || reason != in.row.pause_reason) {
    in.row.status = status;
    in.row.pause_reason = reason;
    nlohmann::json data = {{"status", name(status)}};
    if (reason) data["pause_reason"] = name(*reason);
    event(in, ch, "instance.status", std::move(data));
    return true;
  }
  return false;
}

void Engine::finish_instance(Instance& in, vm::Machine& m, Changes& ch) {
  InstanceRow& r = in.row;
  r.ended_at = effects::wall_clock_ms();
  r.pause_reason.reset();
  r.operator_paused = false;
  r.kill_switch_paused = false;
  for (auto& [seq, w] : in.waits) {
    drop_wait(in, w, "cancelled", "cancelled: the instance ended", ch);
    ch.waits_removed.emplace_back(r.id, seq);
  }
  in.waits.clear();
  // Whatever its checkins did, no session of an ended instance stays open.
  ch.instance_sessions_closed.emplace_back(r.id, r.ended_at.value_or(effects::wall_clock_ms()));
  for (auto& [idx, step] : std::map<int64_t, StepRow>(in.open_steps)) close_step(in, ch, idx, "failed");
  if (m.status() == vm::Status::Completed) {
    r.status = InstanceStatus::Completed;
    r.result = vm::to_json_text(m.result());
    r.checkpoint.reset();
    log(in, ch, "instance", fmt::format("workflow {} completed", r.workflow));
  } else {
    const std::string kind = field_string(m.error(), "kind");
    const std::optional<stdlib::ErrorKind> k = stdlib::parse_error_kind(kind);
    r.status = k == stdlib::ErrorKind::Cancelled ? InstanceStatus::Cancelled
               : (k == stdlib::ErrorKind::Timeout && (in.timeout_fired || (r.timeout_at && wall_now() >= *r.timeout_at))) ? InstanceStatus::Timeout
                                                                                                  : InstanceStatus::Failed;
    r.error = vm::to_json_text(m.error());
    r.error_message = field_string(m.error(), "message");
    if (r.error_message.empty()) r.error_message = kind;
    log(in, ch, "error", fmt::format("workflow {} {}: {}: {}", r.workflow, name(r.status), kind, r.error_message));
  }
  r.continuation = share(vm::snapshot(m));
  nlohmann::json data = {{"status", name(r.status)}};
  if (!r.error_message.empty()) data["error_message"] = r.error_message;
  event(in, ch, "instance.status", std::move(data));
  ch.instances.push_back(r);
  std::unique_ptr<Instance> keep = std::move(instances_[r.id]);
  instances_.erase(r.id);
  deliver_to_parent(in, ch);
}

// Raises an uncatchable error into the instance (cancel, @timeout): its finally blocks and
// checkins still run, and may ask for effects of their own.
void Engine::abort_instance(Instance& in, stdlib::ErrorKind kind, const std::string& message, Changes& ch) {
  // What its running jobs end with: "cancelled: the workflow's @timeout expired", or a cancel.
  const std::string reason =
      kind == stdlib::ErrorKind::Timeout ? fmt::format("cancelled: {}", message) : "cancelled: the instance was cancelled";
  for (auto& [seq, w] : in.waits) {
    drop_wait(in, w, "cancelled", reason, ch);
    ch.waits_removed.emplace_back(in.row.id, seq);
  }
  in.waits.clear();
  in.row.operator_paused = false;
  // What its finally blocks ask for is cleanup of an instance being stopped: the kill switch
  // withholds none of it.
  in.row.kill_switch_paused = false;
  log(in, ch, "instance", message);
  if (in.row.status == InstanceStatus::Queued) {
    in.row.status = kind == stdlib::ErrorKind::Timeout ? InstanceStatus::Timeout : InstanceStatus::Cancelled;
    in.row.ended_at = effects::wall_clock_ms();
    in.row.error_message = message;
    in.row.error = vm::to_json_text(effects::make_error(kind, message));
    event(in, ch, "instance.status", {{"status", name(in.row.status)}});
    ch.instances.push_back(in.row);
    instances_.erase(in.row.id);
    return;
  }
  Transition t(*this, in, ch);
  if (const vm::RestoreResult r = t.restore(view(in.row.continuation)); !r.ok()) {
    advance(in, ch);  // reports the broken continuation
    return;
  }
  t.machine().abort(effects::make_error(kind, message));
  advance(t);
}

// An effect is answered: record it, and keep the answer until the instance takes it.
void Engine::settle_wait(Instance& in, Wait& w, bool is_error, Value outcome, Changes& ch) {
  if (w.ready) return;
  w.ready = true;
  w.ready_error = is_error;
  w.outcome = std::move(outcome);
  if (w.step >= 0) close_step(in, ch, w.step, is_error ? "failed" : "completed");
}

// The instance stops waiting for `w` (cancelled, timed out, or it ended): what it started is
// withdrawn. A queued job ends at once; one handed out or running is asked to stop, and ends when
// its agent reports it killed (or done). Either end
// reaches no wait: the caller takes `w` apart.
void Engine::drop_wait(Instance& in, Wait& w, const std::string& why, const std::string& reason, Changes& ch) {
  for (const auto& [host, job_id] : w.round) {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) continue;
    LiveJob& job = *it->second;
    if (job.row.status == JobStatus::Running || job.row.status == JobStatus::Dispatched) {
      request_job_stop(job, reason, ch);
      continue;
    }
    job.row.status = JobStatus::Cancelled;
    job.row.error = reason;
    job.row.ended_at = effects::wall_clock_ms();
    unqueue(job.row);
    ch.jobs.push_back(job.row);
    event(in, ch, "job.completed", {{"job_id", job.row.id}, {"host", job.row.host}, {"status", "cancelled"}});
    jobs_.erase(it);
  }
  if (w.approval_id) {
    auto it = approvals_.find(w.approval_id);
    if (it != approvals_.end()) {
      it->second->row.status = why == "cancelled" ? ApprovalStatus::Cancelled : ApprovalStatus::Expired;
      it->second->row.decided_at = effects::wall_clock_ms();
      ch.approvals.push_back(it->second->row);
      event(in, ch, "approval.decided", {{"approval_id", w.approval_id}, {"status", name(it->second->row.status)}});
      approvals_.erase(it);
    }
  }
  if (w.child_id) {
    auto it = instances_.find(w.child_id);
    if (it != instances_.end()) {
      // Its end must not reach back into the parent, whose waits are being taken apart.
      it->second->detached = true;
      abort_instance(*it->second, stdlib::ErrorKind::Cancelled, "the parent instance stopped waiting for it", ch);
    }
  }
  if (w.step >= 0) close_step(in, ch, w.step, "cancelled");
}

}  // namespace wf::engine

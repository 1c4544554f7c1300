// Recovery at start (SPEC §4): the live instances, the effects they wait for, the jobs not yet
// ended and the pending approvals are rebuilt from the store, and their timers re-armed; each
// effect's own file rebuilds its wait.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "runtime/store/approvals.h"
#include "runtime/store/events.h"
#include "runtime/store/notifications.h"
#include "runtime/store/instances.h"
#include "runtime/store/jobs.h"
#include "vm/continuation.h"
#include "runtime/log/log.h"

namespace wf::engine {

namespace {

std::optional<bytecode::EffectKind> effect_kind(const std::string& name) {
  for (int k = 0; k < bytecode::kEffectKindCount; ++k)
    if (bytecode::effect_name(static_cast<bytecode::EffectKind>(k)) == name) return static_cast<bytecode::EffectKind>(k);
  return std::nullopt;
}

// The next id after the largest stored; false with `error` when the store cannot say.
bool next_id(const store::Result<int64_t>& max, int64_t& next, std::string& error) {
  if (!max.ok()) return error = "cannot read the store: " + max.error(), false;
  next = *max + 1;
  return true;
}

}  // namespace

bool Engine::recover(std::string& error, Done recovered) {
  if (!next_id(store::instances::max_id(reader_), next_instance_id_, error) ||
      !next_id(store::jobs::max_id(reader_), next_job_id_, error) ||
      !next_id(store::approvals::max_id(reader_), next_approval_id_, error) ||
      !next_id(store::events::max_id(reader_), next_event_id_, error) ||
      !next_id(store::notifications::max_id(reader_), next_notification_id_, error))
    return false;
  if (!recover_automation(error) || !recover_jobs(error) || !recover_leases(error)) return false;
  // The instances come back a chunk per loop turn, so the service answers (/ready, reads, the
  // agents) while a large store recovers.
  recovering_ = true;
  on_recovered_ = std::move(recovered);
  if (int rc = uv_idle_start(&recovery_idle_, on_recovery_turn); rc != 0)
    return error = fmt::format("cannot start recovering the instances: {}", uv_strerror(rc)), false;
  return true;
}

void Engine::on_recovery_turn(uv_idle_t* handle) {
  auto* self = static_cast<Engine*>(handle->data);
  try {
    self->recover_next_chunk();
  } catch (const std::exception& e) {
    // Nothing may unwind into libuv.
    self->recovered_approvals_ = nullptr;
    self->end_recovery(false, fmt::format("recovery failed: {}", e.what()));
  }
}

void Engine::recover_next_chunk() {
  std::string error;
  bool more = false;
  if (!recover_instances(error, more)) return end_recovery(false, error);
  if (more) return;
  // The sweep ends stale jobs, whose instances must all be in memory first.
  if (int rc = uv_timer_start(&sweeper_, on_sweep, 1000, 5000); rc != 0)
    return end_recovery(false, fmt::format("cannot start the stale-job sweep: {}", uv_strerror(rc)));
  end_recovery(true, "");
}

void Engine::end_recovery(bool ok, const std::string& error) {
  uv_idle_stop(&recovery_idle_);
  // A failed recovery leaves the engine refusing changes: the service stops on it.
  recovering_ = !ok;
  Done done = std::move(on_recovered_);
  on_recovered_ = nullptr;
  if (done) done(ok, error);
}

bool Engine::recover_jobs(std::string& error) {
  auto stored = store::jobs::unfinished(reader_);
  if (!stored.ok()) return error = stored.error(), false;
  for (JobRow& row : *stored) {
    // A job handed out stays with its agent, which may be running it: the agent's heartbeats say
    // whether it has it (agent_heartbeat puts it back in the queue if not).
    auto live = revive_job(std::move(row));
    if (live->row.status == JobStatus::Queued) enqueue(live->row);
    jobs_[live->row.id] = std::move(live);
  }
  return true;
}

// One chunk of live instances (kRecoveryChunk, oldest first, after the last one recovered), read
// set-wise and made live; `more` says whether another chunk may follow. A chunk's instances go on
// at once: a parent is older than its children, so it is in memory before any of them ends.
bool Engine::recover_instances(std::string& error, bool& more) {
  constexpr int64_t kRecoveryChunk = 500;
  auto chunk = store::instances::live_chunk(reader_, recovered_through_, kRecoveryChunk);
  if (!chunk.ok()) return error = chunk.error(), false;
  more = static_cast<int64_t>(chunk->size()) == kRecoveryChunk;
  if (chunk->empty()) return true;
  const int64_t first = chunk->front().row.id, last = chunk->back().row.id;
  recovered_through_ = last;
  auto requests = store::approvals::of_waits(reader_, first, last);
  auto responses = store::approvals::responses_of_waits(reader_, first, last);
  if (!requests.ok() || !responses.ok())
    return error = fmt::format("cannot read the approvals of instances {} to {}: {}", first, last,
                               requests.ok() ? responses.error() : requests.error()),
           false;
  RecoveredApprovals approvals;
  for (ApprovalRow& a : *requests) approvals.requests[{a.instance_id, a.effect_seq}] = std::move(a);
  for (ResponseRow& r : *responses) approvals.responses[r.approval_id].push_back(std::move(r));
  recovered_approvals_ = &approvals;
  const bool ok = recover_chunk(*chunk, error);
  recovered_approvals_ = nullptr;
  return ok;
}

bool Engine::recover_chunk(std::vector<store::RecoveredInstance>& chunk, std::string& error) {
  std::vector<std::pair<int64_t, Changes>> to_advance;
  for (store::RecoveredInstance& stored : chunk) {
    const int64_t id = stored.row.id;
    Changes ch;  // what settling recorded answers changes (a step row closed, a signal taken)
    Instance* in = nullptr;
    if (!restore_instance(stored, ch, in, error)) return error = fmt::format("cannot recover instance {}: {}", id, error), false;
    if (in && (ready_to_go_on(*in) || !ch.empty())) to_advance.emplace_back(id, std::move(ch));
  }
  for (auto& [id, ch] : to_advance) {
    auto it = instances_.find(id);
    if (it == instances_.end()) continue;
    if (ready_to_go_on(*it->second)) advance(*it->second, ch);
    commit(std::move(ch), nullptr);
  }
  return true;
}

// A stored live instance made live again, as recovery and the reload after a failed commit both
// do: its program, open steps, timers, and waits rebuilt from the store (a recorded answer
// settles its wait, recorded in `ch`). `in` is left null when its definition version is gone
// (the instance is left as it is); false with `error` when a wait cannot be rebuilt.
bool Engine::restore_instance(store::RecoveredInstance& stored, Changes& ch, Instance*& in, std::string& error) {
  auto owned = std::make_unique<Instance>();
  owned->row = std::move(stored.row);
  const InstanceRow& r = owned->row;
  owned->next_step = stored.next_step;
  owned->next_log_seq = stored.next_log_seq;
  load_program(*owned);
  if (!owned->program) {
    log::error(fmt::format("instance {}: its definition version is gone; left as it is", r.id));
    return true;
  }
  for (StepRow& s : stored.open_steps) owned->open_steps[s.idx] = std::move(s);
  if (r.status == InstanceStatus::Queued && r.scheduled_at) arm_instant(*r.scheduled_at, Timer{Timer::Kind::DeferredStart, r.id, 0, 0, {}});
  if (r.timeout_at && r.status != InstanceStatus::Queued) arm(*r.timeout_at, Timer{Timer::Kind::InstanceTimeout, r.id, 0, 0, {}});
  std::vector<Wait> waits;
  for (const WaitRow& stored_wait : stored.waits) {
    Wait w;
    w.seq = stored_wait.seq;
    w.fiber = stored_wait.fiber;
    const auto kind = effect_kind(stored_wait.kind);
    std::vector<vm::Value> args;
    std::string why;
    if (!kind || !vm::decode_values(*owned->program, stored_wait.args, args, why) || args.size() != 1) {
      log::error(fmt::format("instance {}: a wait could not be read ({}); it will never resume", r.id, why));
      continue;
    }
    w.kind = *kind;
    w.args = std::move(args[0]);
    w.due_at = stored_wait.due_at;
    w.withheld = stored_wait.withheld;
    waits.push_back(std::move(w));
  }
  const int64_t id = r.id;
  in = (instances_[id] = std::move(owned)).get();
  for (Wait& w : waits) {
    for (const auto& [idx, step] : in->open_steps)
      if (step.effect_seq && static_cast<uint64_t>(*step.effect_seq) == w.seq) w.step = idx;
    const uint64_t seq = w.seq;
    in->waits[seq] = std::move(w);
    // A withheld effect has nothing to rebuild: it begins when automation resumes.
    if (!in->waits[seq].withheld && !rebuild_wait(*in, in->waits[seq], ch, error)) return false;
  }
  recover_step_timeouts(*in, ch);
  return true;
}

// Whether an instance has an answered wait and is not held by an operator.
bool Engine::ready_to_go_on(const Instance& in) const {
  bool ready = false;
  for (const auto& [seq, w] : in.waits) ready = ready || w.ready;
  return ready && !in.row.operator_paused;
}

// A job as the store has it, made live again: its timeout from its spec, and its ages going on
// from the stored wall-clock times, reckoned once (a restart recomputes them). The wait left
// before it may run is never more than the delay it was queued with: a wall clock set back since
// (it had run ahead when the job was queued) would otherwise hold it for the difference.
std::unique_ptr<Engine::LiveJob> Engine::revive_job(JobRow row) {
  auto live = std::make_unique<LiveJob>();
  live->row = std::move(row);
  auto spec = nlohmann::json::parse(live->row.spec, nullptr, false);
  if (spec.is_object() && spec.contains("timeout_ms") && spec["timeout_ms"].is_number_integer())
    live->timeout_ms = spec["timeout_ms"].get<int64_t>();
  live->due_mono = monotonic_now() + std::clamp<int64_t>(live->row.scheduled_at - wall_now(), 0, live->row.delay_ms);
  // Started "in the future" (on a clock since set back): started now, as far as its age goes.
  live->since_mono = std::min(monotonic_at(live->row.started_at.value_or(live->row.dispatched_at.value_or(wall_now()))), monotonic_now());
  live->released = true;
  return live;
}

bool Engine::load_stored(Instance& in, std::string& error) {
  const InstanceRow& r = in.row;
  auto next_step = store::instances::next_step_index(reader_, r.id);
  auto next_log = store::instances::next_log_seq(reader_, r.id);
  if (!next_step.ok() || !next_log.ok()) return error = next_step.ok() ? next_log.error() : next_step.error(), false;
  in.next_step = *next_step;
  in.next_log_seq = *next_log;
  load_program(in);
  return true;
}

void Engine::load_program(Instance& in) {
  in.program = programs_(in.row.definition_id, in.row.version);
  if (in.program)
    if (const auto k = bytecode::find_workflow(in.program->module, in.row.workflow)) in.workflow_index = *k;
}

// Rebuilds what a wait needs in memory from the store (each effect's file knows how); settles it
// if its answer was recorded.
bool Engine::rebuild_wait(Instance& in, Wait& w, Changes& scratch, std::string& error) {
  using bytecode::EffectKind;
  switch (w.kind) {
    case EffectKind::Run: return recover_run(in, w, scratch, error);
    case EffectKind::Approve:
    case EffectKind::Checkout: return recover_approval(in, w, scratch, error);
    case EffectKind::Sleep:
    case EffectKind::SleepUntil: recover_sleep(in, w, scratch); return true;
    case EffectKind::WaitEvent: return recover_wait_event(in, w, scratch, error);
    case EffectKind::Child: return recover_child(in, w, error);
    default: return true;
  }
}

}  // namespace wf::engine

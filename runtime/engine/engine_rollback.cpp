// A unit that did not commit (a full disk, a constraint the store refused): memory goes back to
// what the store holds. The engine applies a transition to its memory before the unit commits, so
// when the unit fails, every instance and ad-hoc job it touched is dropped from memory and loaded
// again from the store, as recovery would load it; the operation's caller hears the failure
// (503), and the same operation can be made again once the store takes writes.
//
// Units built on a failed one — submitted before its failure reached the loop — must not commit
// either: each owner (an instance, an ad-hoc job) has a lineage flag that its units carry to the
// writer thread; the writer sets it the moment one of them fails (Writer::Abandoned), later ones
// of the same lineage then fail without writing, and the reload starts a new lineage.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/records.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "runtime/store/instances.h"
#include "runtime/store/jobs.h"
#include "vm/continuation.h"
#include "runtime/log/log.h"

namespace wf::engine {

namespace {

// How long an instance whose reload settled a wait (an overdue sleep) waits before going on: a
// store that keeps failing is then tried once a second, not in a loop.
constexpr int64_t kGoOnAfterReloadMs = 1000;

}  // namespace

Engine::Owners Engine::owners_of(const Changes& ch) {
  Owners owners;
  // The organization, from the rows that carry it (0 when none does: the instance is live).
  auto instance = [&owners](int64_t id, int64_t org) {
    int64_t& known = owners[{'i', id}];
    if (org != 0) known = org;
  };
  for (const InstanceRow& r : ch.instances) instance(r.id, r.org_id);
  for (const WaitRow& r : ch.waits_added) instance(r.instance_id, 0);
  for (const auto& [id, seq] : ch.waits_removed) instance(id, 0);
  for (const JobRow& r : ch.jobs) {
    if (r.instance_id) instance(*r.instance_id, r.org_id);
    else owners[{'j', r.id}] = r.org_id;
  }
  for (const ApprovalRow& r : ch.approvals) instance(r.instance_id, r.org_id);
  for (const StepRow& r : ch.steps) instance(r.instance_id, 0);
  for (const LogRow& r : ch.log) instance(r.instance_id, 0);
  for (const EventRow& r : ch.events)
    if (r.instance_id) instance(*r.instance_id, r.org_id);
  for (const SignalRow& r : ch.signals_added) instance(r.instance_id, 0);
  for (const auto& [id, event] : ch.signals_taken) instance(id, 0);
  for (const SessionRow& r : ch.sessions_opened) instance(r.instance_id, r.org_id);
  return owners;
}

Engine::Doomed Engine::lineage(const Owner& owner) {
  Doomed& flag = lineages_[owner];
  if (!flag) flag = std::make_shared<std::atomic<bool>>(false);
  return flag;
}

void Engine::roll_back(const Owners& owners, const std::vector<Doomed>& flags) {
  size_t i = 0;
  for (const auto& [owner, known_org] : owners) {
    const Doomed& flag = flags[i++];
    auto it = lineages_.find(owner);
    // Reloaded already, after an earlier unit of the same lineage failed: the store has not
    // changed for it since, and units made after that reload may be on their way to commit.
    if (it == lineages_.end() || it->second != flag) continue;
    lineages_.erase(it);
    if (owner.first == 'j') {
      reload_job(owner.second);
      continue;
    }
    auto live = instances_.find(owner.second);
    const int64_t org = live != instances_.end() ? live->second->row.org_id : known_org;
    if (org == 0) continue;  // neither live nor ended by this unit: memory holds nothing of it
    reload_instance(org, owner.second);
  }
}

// Everything the engine holds of instance `id` goes: the instance, its jobs and approvals, its
// timers.
void Engine::drop_instance(int64_t id) {
  instances_.erase(id);
  reloaded_.erase(id);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->second->row.instance_id != id) {
      ++it;
      continue;
    }
    unqueue(it->second->row);
    it = jobs_.erase(it);
  }
  std::set<int64_t> approvals;
  for (auto it = approvals_.begin(); it != approvals_.end();) {
    if (it->second->row.instance_id != id) {
      ++it;
      continue;
    }
    approvals.insert(it->first);
    it = approvals_.erase(it);
  }
  using Kind = Timer::Kind;
  for (auto it = timers_.begin(); it != timers_.end();) {
    const Timer& t = it->second;
    const bool of_instance = t.id == id && (t.kind == Kind::Sleep || t.kind == Kind::EventTimeout || t.kind == Kind::InstanceTimeout ||
                                            t.kind == Kind::DeferredStart || t.kind == Kind::GoOn);
    if (!of_instance && !(t.kind == Kind::ApprovalTimeout && approvals.count(t.id))) {
      ++it;
      continue;
    }
    if (t.instant) --instants_armed_;
    it = timers_.erase(it);
  }
  reschedule_timer();
}

void Engine::reload_job(int64_t id) {
  auto it = jobs_.find(id);
  if (it != jobs_.end()) {
    unqueue(it->second->row);
    jobs_.erase(it);
  }
  auto stored = store::jobs::find_any(reader_, id);
  if (!stored.ok()) {
    log::error(fmt::format("job {} could not be reloaded: {}", id, stored.error()));
    return;
  }
  if (!*stored || store::has_ended((*stored)->status)) return;
  // A job handed to an agent stays handed (unlike at a restart): the agent may be about to start it.
  auto live = revive_job(std::move(**stored));
  if (live->row.status == JobStatus::Queued) enqueue(live->row);
  const QueueKey queue{live->row.org_id, live->row.host};
  jobs_[id] = std::move(live);
  feed_pollers(queue);
}

void Engine::reload_instance(int64_t org, int64_t id) {
  drop_instance(id);
  auto stored = store::instances::find(reader_, org, id);
  auto jobs = store::jobs::unfinished(reader_);
  if (!stored.ok() || !jobs.ok()) {
    log::error(fmt::format("instance {} could not be reloaded ({}); it is left as the store has it until the service restarts", id, stored.ok() ? jobs.error() : stored.error()));
    return;
  }
  std::set<QueueKey> queues;
  for (JobRow& j : *jobs) {
    if (j.instance_id != id) continue;
    auto live = revive_job(std::move(j));
    if (live->row.status == JobStatus::Queued) {
      enqueue(live->row);
      queues.insert({live->row.org_id, live->row.host});
    }
    jobs_[live->row.id] = std::move(live);
  }
  for (const QueueKey& q : queues) feed_pollers(q);
  if (!*stored || store::is_terminal((*stored)->status)) return;
  // The instance read as recovery reads a chunk of them: the first live instance from its id on.
  auto chunk = store::instances::live_chunk(reader_, id - 1, 1);
  if (!chunk.ok()) {
    log::error(fmt::format("instance {} could not be reloaded ({}); it is left as the store has it until the service restarts", id, chunk.error()));
    return;
  }
  if (chunk->empty() || chunk->front().row.id != id) return;
  Changes ch;  // what settling recorded answers changes (an overdue sleep, a signal taken)
  Instance* live = nullptr;
  std::string error;
  if (!restore_instance(chunk->front(), ch, live, error))
    log::error(fmt::format("instance {}: a wait could not be rebuilt: {}", id, error));
  if (live && (ready_to_go_on(*live) || !ch.empty())) {
    reloaded_[id] = std::move(ch);
    arm(wall_now() + kGoOnAfterReloadMs, Timer{Timer::Kind::GoOn, id, 0, 0, {}});
  }
}

void Engine::go_on_after_reload(int64_t id) {
  auto it = instances_.find(id);
  if (it == instances_.end()) return;
  Changes ch;
  if (auto held = reloaded_.find(id); held != reloaded_.end()) {
    ch = std::move(held->second);
    reloaded_.erase(held);
  }
  if (ready_to_go_on(*it->second)) advance(*it->second, ch);
  if (!ch.empty()) commit(std::move(ch), nullptr);
}

}  // namespace wf::engine

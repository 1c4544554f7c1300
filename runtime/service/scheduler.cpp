// The scheduler (see scheduler.h): the timeline, the ticks and what each records.
#include "runtime/log/log.h"
#include "runtime/service/scheduler.h"

#include <fmt/format.h>

#include "effects/clock.h"
#include "runtime/service/run_binding.h"
#include "runtime/service/schedule_times.h"
#include "runtime/store/definitions.h"
#include "runtime/store/schedules.h"

namespace wf::service {

namespace {

// A due time as RFC 3339 UTC, for a tick's detail.
std::string utc(int64_t ms) { return format_time(ms); }

// The record of one tick of schedule `id`.
store::TickRow tick_row(int64_t id, int64_t org, int64_t due, int64_t fired_at, store::TickOutcome outcome, std::string detail) {
  store::TickRow t;
  t.schedule_id = id;
  t.org_id = org;
  t.due = due;
  t.fired_at = fired_at;
  t.outcome = outcome;
  t.detail = std::move(detail);
  return t;
}

// The most due times one tick walks through (a schedule of every second down for 115 days); past
// it the rest are reckoned missed at the next tick.
constexpr int64_t kMostDuesPerTick = 10'000'000;

}  // namespace

Scheduler::Scheduler(Context& c) : c_(c) {
  if (int rc = uv_timer_init(c_.loop, &timer_); rc != 0) throw std::runtime_error(fmt::format("uv_timer_init: {}", uv_strerror(rc)));
  timer_.data = this;
}

Scheduler::~Scheduler() = default;

bool Scheduler::start(std::string& error) {
  auto rows = store::schedules::all_live(c_.reads->connection());
  if (!rows.ok()) {
    error = rows.error();
    return false;
  }
  for (store::ScheduleRow& r : *rows) {
    rows_[r.id] = r;
    place(r);
    if (r.buffered_due) {
      if (previous_running(r)) wait_for_previous(r);
      else released_.push_back(r.id);
    }
  }
  started_ = true;
  arm();
  return true;
}

void Scheduler::close() {
  if (closed_) return;
  closed_ = true;
  uv_timer_stop(&timer_);
  // The handle is a member: nothing to free when it closes.
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

const store::ScheduleRow* Scheduler::live(int64_t org, int64_t id) const {
  auto it = rows_.find(id);
  return it == rows_.end() || it->second.org_id != org ? nullptr : &it->second;
}

void Scheduler::save(store::ScheduleRow row, engine::Done done) {
  const int64_t id = row.id;
  unplace(id);
  if (row.removed_at) {
    rows_.erase(id);
  } else {
    rows_[id] = row;
    place(row);
    if (!row.buffered_due) {
      // A schedule edited out of buffer_one waits for nothing.
      std::erase_if(waiting_on_instance_, [id](const auto& w) { return w.second == id; });
      std::erase_if(waiting_on_job_, [id](const auto& w) { return w.second == id; });
    }
  }
  store::Changes ch;
  ch.schedules.push_back(std::move(row));
  c_.engine->record(std::move(ch), [this, id, done = std::move(done)](bool ok, const std::string& error) {
    if (!ok) reload(id);
    if (done) done(ok, error);
  });
  arm();
}

void Scheduler::adopt(const store::ScheduleRow& row) {
  rows_[row.id] = row;
  place(row);
  arm();
}

// ---- the timeline -------------------------------------------------------------------------------

void Scheduler::place(const store::ScheduleRow& row) {
  if (row.next_due && !row.paused && !row.removed_at) timeline_.insert({*row.next_due, row.id});
}

void Scheduler::unplace(int64_t id) {
  auto it = rows_.find(id);
  if (it != rows_.end() && it->second.next_due) timeline_.erase({*it->second.next_due, id});
}

void Scheduler::arm() {
  if (!started_ || closed_) return;
  uv_timer_stop(&timer_);
  if (timeline_.empty() && released_.empty()) return;
  uint64_t delay = 0;
  if (released_.empty()) {
    // The loop's cached time may lag the wall clock: it is brought up to date so the timer does
    // not fire early and spin.
    uv_update_time(c_.loop);
    const int64_t wait = timeline_.begin()->first - effects::wall_clock_ms();
    delay = wait > 0 ? static_cast<uint64_t>(wait) : 0;
  }
  if (int rc = uv_timer_start(&timer_, on_timer, delay, 0); rc != 0)
    log::error(fmt::format("the scheduler's timer could not be armed: {}", uv_strerror(rc)));
}

void Scheduler::on_timer(uv_timer_t* handle) {
  auto* self = static_cast<Scheduler*>(handle->data);
  try {
    self->fire_due();
  } catch (const std::exception& e) {
    // Nothing may unwind into libuv; the timer is armed again for what is still due.
    log::error(fmt::format("a schedule's tick failed: {}", e.what()));
  }
  self->arm();
}

void Scheduler::fire_due() {
  std::vector<int64_t> released = std::move(released_);
  released_.clear();
  for (int64_t id : released) release_buffered(id);
  // Each tick reads the clock itself: its `fired_at` is when it was handled, so the lateness it
  // records includes the ticks handled before it in the same turn.
  for (int64_t now = effects::wall_clock_ms(); !timeline_.empty() && timeline_.begin()->first <= now;
       now = effects::wall_clock_ms()) {
    const int64_t id = timeline_.begin()->second;
    timeline_.erase(timeline_.begin());
    tick(id, now);
  }
}

// ---- a tick -------------------------------------------------------------------------------------

// Walks the due times that have come (one, unless the service was down): those older than the
// catch-up window are recorded as one `missed` tick; those inside it make one start, for the
// latest of them. The schedule advances past them all in the same unit.
void Scheduler::tick(int64_t id, int64_t now) {
  auto it = rows_.find(id);
  if (it == rows_.end() || !it->second.next_due) return;
  store::ScheduleRow& row = it->second;
  std::optional<int64_t> due = row.next_due;
  int64_t handled = 0, missed = 0, in_window = 0, first_missed = 0, last_missed = 0, first_in_window = 0, last = 0;
  auto exhausted = [&] { return row.max_recurrences && row.tick_count + handled >= *row.max_recurrences; };
  const DueTimes times(row);  // after downtime the loop walks many due times: one parse for all
  while (due && *due <= now && handled < kMostDuesPerTick) {
    if (exhausted()) {
      due.reset();
      break;
    }
    ++handled;
    if (*due < now - row.catch_up_ms) {
      if (!missed++) first_missed = *due;
      last_missed = *due;
    } else {
      if (!in_window++) first_in_window = *due;
      last = *due;
    }
    due = times.after(*due);
  }
  if (due && exhausted()) due.reset();
  row.tick_count += handled;
  row.next_due = due;
  store::Changes ch;
  if (missed) {
    ch.ticks.push_back(tick_row(
        id, row.org_id, first_missed, now, store::TickOutcome::Missed,
        missed == 1 ? fmt::format("due while the service was down, older than the catch-up window ({} s)", row.catch_up_ms / 1000)
                    : fmt::format("{} due times from {} to {} passed while the service was down, older than the catch-up "
                                  "window ({} s)",
                                  missed, utc(first_missed), utc(last_missed), row.catch_up_ms / 1000)));
  }
  place(row);
  if (!in_window) return commit(id, std::move(ch));
  const std::string detail =
      in_window > 1 ? fmt::format("one start for the {} due times from {} on", in_window, utc(first_in_window)) : "";
  auto record = [&](store::TickOutcome outcome, const std::string& why) {
    ch.ticks.push_back(tick_row(id, row.org_id, last, now, outcome,
                                detail.empty() ? why : why.empty() ? detail : fmt::format("{}; {}", why, detail)));
    commit(id, std::move(ch));
  };
  if (c_.engine->automation_paused(row.org_id)) return record(store::TickOutcome::Suppressed, "the organization's automation is paused");
  if (previous_running(row)) {
    const std::string previous = row.last_instance_id ? fmt::format("instance {}", *row.last_instance_id) : "the jobs";
    switch (row.overlap) {
      case store::OverlapPolicy::Skip:
        return record(store::TickOutcome::Skipped, fmt::format("the previous run ({}) is still going", previous));
      case store::OverlapPolicy::BufferOne:
        if (row.buffered_due)
          return record(store::TickOutcome::Skipped, fmt::format("the previous run ({}) is still going and a tick waits already", previous));
        row.buffered_due = last;
        wait_for_previous(row);
        return commit(id, std::move(ch));
      case store::OverlapPolicy::Allow:
        break;
    }
  }
  launch(id, last, now, detail, std::move(ch));
}

// What hears whether a tick's unit was stored: when it was not, the schedule is read back as the
// store has it.
engine::Done Scheduler::tick_stored(int64_t id) {
  return [this, id](bool ok, const std::string& error) {
    if (ok) return;
    log::error(fmt::format("schedule {}: its tick was not stored: {}", id, error));
    reload(id);
  };
}

void Scheduler::commit(int64_t id, store::Changes ch) {
  auto it = rows_.find(id);
  if (it != rows_.end()) ch.schedules.push_back(it->second);
  c_.engine->record(std::move(ch), tick_stored(id));
}

void Scheduler::launch(int64_t id, int64_t due, int64_t now, const std::string& detail, store::Changes ch) {
  store::ScheduleRow& row = rows_.at(id);
  const int64_t org = row.org_id;
  auto fail = [&](const std::string& why) {
    ch.ticks.push_back(tick_row(id, org, due, now, store::TickOutcome::Failed, why));
    commit(id, std::move(ch));
  };
  // The tick's row and the schedule's advance join the start's unit, once its ids are known.
  auto annex_tick = [this, id, org, due, now, detail](std::optional<int64_t> instance, const std::vector<int64_t>& jobs,
                                                      store::Changes& unit) {
    store::ScheduleRow& r = rows_.at(id);
    r.last_instance_id = instance;
    r.last_job_ids = nlohmann::json(jobs).dump();
    store::TickRow t = tick_row(id, org, due, now, store::TickOutcome::Started, detail);
    t.instance_id = instance;
    if (!jobs.empty()) t.job_ids = nlohmann::json(jobs).dump();
    unit.ticks.push_back(std::move(t));
    unit.schedules.push_back(r);
  };
  auto on_committed = tick_stored(id);
  if (!row.job.empty()) {
    const nlohmann::json job = nlohmann::json::parse(row.job, nullptr, false);
    if (!job.is_object() || !job.contains("hosts") || !job["hosts"].is_array() || !job.contains("spec"))
      return fail("the schedule's job is not readable");
    std::vector<engine::Engine::AdHocJob> jobs;
    for (const auto& h : job["hosts"]) {
      if (!h.is_string()) return fail("the schedule's job is not readable");
      jobs.push_back({h.get<std::string>(), job["spec"].dump(), job.value("timeout_ms", int64_t{300000}),
                      fmt::format("{} (schedule {})", job.value("description", std::string()), row.name), job.value("priority", int64_t{1}),
                      std::nullopt});
    }
        c_.engine->create_jobs(
        org, jobs, on_committed,
        [annex_tick, extra = std::move(ch)](const std::vector<int64_t>& ids, store::Changes& unit) mutable {
          unit.append(std::move(extra));
          annex_tick(std::nullopt, ids, unit);
        });
    return;
  }
  if (!row.definition_id) return fail("the schedule names no workflow");
  auto definition = store::definitions::find(c_.reads->connection(), org, *row.definition_id);
  if (!definition.ok()) return fail("the store could not be read: " + definition.error());
  if (!*definition) return fail(fmt::format("the definition `{}` no longer exists", row.workflow));
  if (!(*definition)->active) return fail(fmt::format("the definition `{}` is inactive", row.workflow));
  const int64_t version = store::definitions::running_version(**definition).value_or(0);
  auto program = version ? c_.programs->get(*row.definition_id, version) : nullptr;
  if (!program) return fail(fmt::format("the definition `{}` has no version that can run", row.workflow));
  const uint32_t index = bytecode::find_workflow(program->module, (*definition)->name).value_or(0);
  nlohmann::json body = nlohmann::json::parse(row.targets, nullptr, false);
  if (!body.is_object()) body = nlohmann::json::object();
  body["params"] = nlohmann::json::parse(row.params, nullptr, false);
  if (!body["params"].is_object()) body["params"] = nlohmann::json::object();
  std::vector<vm::Value> args;
  nlohmann::json params, targets;
  if (auto failure = bind_start(c_, org, program, index, body, args, params, targets)) return fail(failure->message);
  engine::StartRequest start;
  start.org_id = org;
  start.definition_id = *row.definition_id;
  start.version = version;
  start.program = program;
  start.workflow_index = index;
  start.args = std::move(args);
  start.params_json = params.dump();
  start.targets_json = targets.dump();
  start.trigger = engine::Trigger::Schedule;
    c_.engine->start(
      std::move(start),
      [annex_tick, extra = std::move(ch)](int64_t instance, store::Changes& unit) mutable {
        unit.append(std::move(extra));
        annex_tick(instance, {}, unit);
      },
      on_committed);
}

// ---- overlap ------------------------------------------------------------------------------------

bool Scheduler::previous_running(const store::ScheduleRow& row) const {
  if (row.last_instance_id) return !c_.engine->status_of(*row.last_instance_id).status.empty();
  const nlohmann::json jobs = nlohmann::json::parse(row.last_job_ids, nullptr, false);
  if (!jobs.is_array()) return false;
  for (const auto& j : jobs)
    if (j.is_number_integer() && c_.engine->job_live(j.get<int64_t>())) return true;
  return false;
}

void Scheduler::wait_for_previous(const store::ScheduleRow& row) {
  if (row.last_instance_id) {
    waiting_on_instance_[*row.last_instance_id] = row.id;
    return;
  }
  const nlohmann::json jobs = nlohmann::json::parse(row.last_job_ids, nullptr, false);
  if (jobs.is_array())
    for (const auto& j : jobs)
      if (j.is_number_integer()) waiting_on_job_[j.get<int64_t>()] = row.id;
}

// Heard after the unit that ended an instance or a job committed: a tick waiting for it may go.
// The start itself waits for the timer's next turn, outside the engine's commit.
void Scheduler::released(const store::Changes& committed) {
  if (!started_ || closed_ || (waiting_on_instance_.empty() && waiting_on_job_.empty())) return;
  for (const store::InstanceRow& in : committed.instances) {
    if (!store::is_terminal(in.status)) continue;
    auto w = waiting_on_instance_.find(in.id);
    if (w == waiting_on_instance_.end()) continue;
    released_.push_back(w->second);
    waiting_on_instance_.erase(w);
  }
  for (const store::JobRow& job : committed.jobs) {
    if (!store::has_ended(job.status)) continue;
    auto w = waiting_on_job_.find(job.id);
    if (w == waiting_on_job_.end()) continue;
    const int64_t schedule = w->second;
    waiting_on_job_.erase(w);
    bool others = false;  // another of its jobs still runs
    for (const auto& [other, s] : waiting_on_job_) others = others || s == schedule;
    if (!others) released_.push_back(schedule);
  }
  if (!released_.empty()) arm();
}

void Scheduler::release_buffered(int64_t id) {
  auto it = rows_.find(id);
  if (it == rows_.end() || !it->second.buffered_due) return;
  store::ScheduleRow& row = it->second;
  if (previous_running(row)) return wait_for_previous(row);
  const int64_t due = *row.buffered_due;
  row.buffered_due.reset();
  const int64_t now = effects::wall_clock_ms();
  if (row.paused) return commit(id, {});
  if (c_.engine->automation_paused(row.org_id)) {
    store::Changes ch;
    ch.ticks.push_back(tick_row(id, row.org_id, due, now, store::TickOutcome::Suppressed, "the organization's automation is paused"));
    return commit(id, std::move(ch));
  }
  launch(id, due, now, "waited for the previous run to end", {});
}

void Scheduler::reload(int64_t id) {
  unplace(id);
  auto it = rows_.find(id);
  const int64_t org = it != rows_.end() ? it->second.org_id : 0;
  rows_.erase(id);
  if (!org) return;
  auto row = store::schedules::find(c_.reads->connection(), org, id);
  if (!row.ok()) {
    // Until the store answers, the schedule rests: the next start of the service loads it.
    log::error(fmt::format("schedule {} could not be read back: {}", id, row.error()));
    return;
  }
  if (*row && !(*row)->removed_at) {
    rows_[id] = **row;
    place(**row);
  }
  arm();
}

}  // namespace wf::service

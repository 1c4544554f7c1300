// The `run` effect (SPEC §1.6, §4.2): its jobs per host and round (effects::RunState decides
// rounds, retries and canary batches), the round's progress as jobs end, and its recovery from
// the jobs' rows.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "effects/job_plan.h"
#include "effects/records.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/job_spec_json.h"
#include "runtime/engine/live.h"
#include "runtime/store/jobs.h"
#include "vm/render.h"

namespace wf::engine {

using effects::field;
using effects::field_string;
using vm::Value;

namespace {

int64_t priority_rank(const std::string& p) {
  return static_cast<int64_t>(store::parse<store::JobPriority>(p).value_or(store::JobPriority::Normal));
}

}  // namespace

void Engine::arm_run(Instance& in, Wait& w, Changes& ch) {
  w.run = std::make_unique<effects::RunState>(w.args, effects::workflow_policy(in.program->module.workflows[in.workflow_index]).canary);
  dispatch_round(in, w, w.run->start(), 0, ch);
  progress_run(in, w, ch);
}

// Jobs for `hosts` (their next attempt), runnable after `delay_ms`. A host whose job cannot be
// made (a config failure) is recorded at once, with a job row all the same so that recovery can
// replay the effect from the jobs table alone.
void Engine::dispatch_round(Instance& in, Wait& w, const std::vector<size_t>& hosts, int64_t delay_ms, Changes& ch) {
  w.round.clear();
  // A job run `as` a credential is planned without its secret: the agent fetches that for the
  // running job alone (GET /agents/jobs/{id}/credential), so it is never stored with the job.
  const Value& as = field(w.args, "as");
  std::optional<effects::JobCredential> cred;
  std::string session;
  if (as.tag == vm::Tag::Credential) {
    cred = effects::JobCredential{field_string(as, "username"), field_string(as, "domain"), field_string(as, "credential_type"), ""};
    session = field_string(as, "session");
  }
  const int64_t now = wall_now(), mono = monotonic_now();
  for (size_t i : hosts) {
    const Value& host = w.run->host(i);
    JobRow j;
    j.id = next_job_id_++;
    j.org_id = in.row.org_id;
    j.instance_id = in.row.id;
    j.effect_seq = static_cast<int64_t>(w.seq);
    j.host_index = static_cast<int64_t>(i);
    j.host = field_string(host, "hostname");
    j.attempt = w.run->attempt(i);
    j.priority = priority_rank(effects::job_priority(w.args));
    j.scheduled_at = now + delay_ms;
    j.delay_ms = delay_ms;
    auto plan = effects::plan_job(in.program->module, w.args, host, cred);
    if (auto* why = std::get_if<std::string>(&plan)) {
      j.status = JobStatus::Config;
      j.error = *why;
      j.description = "(not run)";
      j.ended_at = now;
      j.spec = "{}";
      ch.jobs.push_back(j);
      w.round[i] = j.id;
      w.run->record(i, job_outcome(j), false);
      log(in, ch, "job", fmt::format("run on {}: {}", j.host, *why));
      continue;
    }
    auto& planned = std::get<effects::PlannedJob>(plan);
    j.description = planned.description;
    // A `run script` is one more execution of that script of the script library.
    if (field_string(w.args, "job") == "script")
      j.script = store::JobScript{field_string(w.args, "script"), in.row.definition_id, in.row.version};
    nlohmann::json spec = spec_json(planned.spec);
    if (!session.empty()) {
      spec["env"].erase("WF_CREDENTIAL_SECRET");
      spec["credential_session"] = session;
    }
    j.spec = spec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    j.status = JobStatus::Queued;
    auto live = std::make_unique<LiveJob>();
    live->row = j;
    live->timeout_ms = planned.spec.timeout.count();
    live->due_mono = mono + delay_ms;
    jobs_[j.id] = std::move(live);
    ch.jobs.push_back(j);
    w.round[i] = j.id;
    event(in, ch, "job.queued", {{"job_id", j.id}, {"host", j.host}, {"attempt", j.attempt}, {"description", j.description}});
    log(in, ch, "job", fmt::format("run on {}: {}{}", j.host, j.description, j.attempt > 1 ? fmt::format(" (attempt {})", j.attempt) : ""));
    if (delay_ms > 0) arm(j.scheduled_at, Timer{Timer::Kind::JobDue, in.row.id, 0, j.org_id, j.host});
  }
}

// Once every job of the round has ended: the next round, or the effect's outcome.
void Engine::progress_run(Instance& in, Wait& w, Changes& ch) {
  for (;;) {
    // A job of the round that has not ended is still among the live ones.
    for (const auto& [host, job] : w.round)
      if (jobs_.count(job)) return;
    effects::RunState::Next next = w.run->next();
    if (next.kind == effects::RunState::Next::Kind::Done) {
      settle_wait(in, w, next.failed, std::move(next.value), ch);
      return;
    }
    if (next.kind == effects::RunState::Next::Kind::Nothing) return;
    if (next.delay_ms > 0) log(in, ch, "retry", fmt::format("retrying in {}", vm::format_duration(next.delay_ms)));
    dispatch_round(in, w, next.hosts, next.delay_ms, ch);
  }
}

bool Engine::waits_to_retry(const Wait& w, int64_t now) const {
  if (w.ready || w.round.empty()) return false;
  for (const auto& [host, job_id] : w.round) {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end() || it->second->row.status != JobStatus::Queued || it->second->due_mono <= now) return false;
  }
  return true;
}

// A delayed round's jobs fell due: they go to their queue's polls, and the instance waiting for
// them is no longer paused between retries.
void Engine::retry_due(int64_t instance, const QueueKey& queue) {
  feed_pollers(queue);
  Instance* in = find_live(queue.first, instance);
  if (!in) return;
  Changes ch;
  if (!update_status(*in, ch)) return;
  ch.instances.push_back(in->row);
  commit(std::move(ch), nullptr);
}

// Replays the effect's rounds from its jobs' rows: the jobs that ended are recorded as they
// ended, a job not yet ended (recovered into jobs_) leaves the round waiting for it.
bool Engine::recover_run(Instance& in, Wait& w, Changes& scratch, std::string& error) {
  auto stored = store::jobs::of_effect(reader_, in.row.id, w.seq);
  if (!stored.ok()) return error = stored.error(), false;
  std::map<std::pair<int64_t, int64_t>, JobRow> rows;  // (host index, attempt) → job
  for (JobRow& j : *stored) rows[{j.host_index.value_or(-1), j.attempt}] = std::move(j);
  w.run = std::make_unique<effects::RunState>(w.args, effects::workflow_policy(in.program->module.workflows[in.workflow_index]).canary);
  std::vector<size_t> round = w.run->start();
  for (;;) {
    w.round.clear();
    bool pending = false;
    for (size_t i : round) {
      auto it = rows.find({static_cast<int64_t>(i), w.run->attempt(i)});
      if (it == rows.end()) {
        effects::JobOutcomeRecord lost{field_string(w.run->host(i), "hostname"), "failed", -1, "", "the job was lost", 0, w.run->attempt(i)};
        w.run->record(i, lost, true);
        continue;
      }
      const JobRow& j = it->second;
      w.round[i] = j.id;
      if (jobs_.count(j.id)) {
        pending = true;
        continue;
      }
      w.run->record(i, job_outcome(j), job_retryable(j.status));
    }
    if (pending) return true;
    effects::RunState::Next next = w.run->next();
    if (next.kind == effects::RunState::Next::Kind::Done) {
      settle_wait(in, w, next.failed, std::move(next.value), scratch);
      return true;
    }
    if (next.kind == effects::RunState::Next::Kind::Nothing) return true;
    round = next.hosts;
  }
}

}  // namespace wf::engine

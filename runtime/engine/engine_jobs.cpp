// Jobs and agents (SPEC §4.2): the queues of each organization's hosts that agents long-poll,
// dispatch at most once, the reports that end jobs (and answer the `run` effect waiting for them,
// engine_run.cpp), ad-hoc jobs, and the sweeper of stale jobs.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>


#include "effects/clock.h"
#include "runtime/store/jobs.h"
#include "effects/records.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "vm/render.h"
#include "runtime/log/log.h"

namespace wf::engine {

using effects::field;
using effects::field_string;
using vm::Value;

namespace {

constexpr size_t kLiveOutputCap = 1 << 20;

}  // namespace

bool job_retryable(JobStatus s) { return s == JobStatus::Failed || s == JobStatus::Timeout || s == JobStatus::Internal; }

effects::JobOutcomeRecord job_outcome(const JobRow& j) {
  effects::JobOutcomeRecord o;
  o.host = j.host;
  o.status = std::string(name(j.status == JobStatus::Internal ? JobStatus::Failed : j.status));
  o.exit_code = j.exit_code.value_or(-1);
  o.stdout_text = j.stdout_text;
  o.stderr_text = j.status == JobStatus::Config || j.status == JobStatus::Timeout ? (j.error.empty() ? j.stderr_text : j.error) : j.stderr_text;
  o.duration_ms = j.duration_ms.value_or(0);
  o.attempts = j.attempt;
  return o;
}

void return_to_queue(JobRow& j) {
  j.status = JobStatus::Queued;
  j.dispatched_at.reset();
  j.agent_id.reset();
}

std::map<JobStatus, size_t> Engine::live_jobs_by_status() const {
  std::map<JobStatus, size_t> counts;
  for (const auto& [id, live] : jobs_) ++counts[live->row.status];
  return counts;
}

std::vector<Engine::QueueDepth> Engine::queue_depths() const {
  std::vector<QueueDepth> depths;
  for (const auto& [key, queue] : queues_) {
    std::map<int64_t, size_t> by_priority;
    for (const auto& [neg_priority, scheduled_at, id] : queue) ++by_priority[-neg_priority];
    for (const auto& [priority, jobs] : by_priority) depths.push_back({key.first, key.second, priority, jobs});
  }
  return depths;
}

void Engine::enqueue(const JobRow& j) { queues_[{j.org_id, j.host}].insert({-j.priority, j.scheduled_at, j.id}); }
void Engine::unqueue(const JobRow& j) { queues_[{j.org_id, j.host}].erase({-j.priority, j.scheduled_at, j.id}); }

uint64_t Engine::poll(int64_t org, const std::string& host, int64_t agent_id, size_t max, int64_t wait_ms, PollAnswer answer) {
  const uint64_t handle = next_handle_++;
  auto p = std::make_unique<Poller>();
  p->queue = {org, host};
  p->agent_id = agent_id;
  p->max = std::max<size_t>(1, std::min<size_t>(max, 100));
  p->answer = std::move(answer);
  pollers_[handle] = std::move(p);
  pollers_by_queue_[{org, host}].push_back(handle);
  arm(wall_now() + std::max<int64_t>(0, wait_ms), Timer{Timer::Kind::PollDeadline, static_cast<int64_t>(handle), 0, 0, {}});
  feed_pollers({org, host});
  return handle;
}

void Engine::forget_poll(uint64_t handle) {
  auto it = pollers_.find(handle);
  if (it == pollers_.end()) return;
  auto& list = pollers_by_queue_[it->second->queue];
  list.erase(std::remove(list.begin(), list.end(), handle), list.end());
  pollers_.erase(it);
}

// Hands the ready jobs of a queue to its waiting pollers, oldest poller first. A job leaves the
// queue as it is handed out, so no other poller can get it; the poller hears of it once the
// hand-out is committed.
void Engine::feed_pollers(const QueueKey& key) {
  auto hp = pollers_by_queue_.find(key);
  if (hp == pollers_by_queue_.end()) return;
  auto& queue = queues_[key];
  const int64_t mono = monotonic_now();
  while (!hp->second.empty()) {
    const uint64_t handle = hp->second.front();
    Poller& p = *pollers_[handle];
    std::vector<int64_t> picked;
    for (auto it = queue.begin(); it != queue.end() && picked.size() < p.max;) {
      const auto [neg_priority, scheduled_at, id] = *it;
      auto live = jobs_.find(id);
      if (live != jobs_.end() && live->second->due_mono > mono) {  // a retry's delay, on the monotonic clock
        ++it;
        continue;
      }
      picked.push_back(id);
      it = queue.erase(it);
    }
    if (picked.empty()) return;
    hp->second.erase(hp->second.begin());
    Changes ch;
    HandOut out;
    for (int64_t id : picked) {
      auto jt = jobs_.find(id);
      if (jt != jobs_.end()) hand_out(*jt->second, p, ch, out);
    }
    out.answer = std::move(p.answer);
    pollers_.erase(handle);
    commit(std::move(ch), [this, out = std::make_shared<std::vector<HandOut>>(1, std::move(out))](bool ok, const std::string&) {
      answer_hand_outs(*out, ok);
    });
  }
}

// From here on the agent may run the job at any moment: it runs what a poll hands it without
// asking again, so the hand-out is what makes a job run at most once.
void Engine::hand_out(LiveJob& live, const Poller& poller, Changes& ch, HandOut& out) {
  JobRow& j = live.row;
  j.status = JobStatus::Dispatched;
  j.dispatched_at = wall_now();
  live.since_mono = monotonic_now();
  j.agent_id = poller.agent_id;
  // A job the same unit creates has its row there already; the hand-out updates it.
  auto row = std::find_if(ch.jobs.begin(), ch.jobs.end(), [&](const JobRow& r) { return r.id == j.id; });
  if (row != ch.jobs.end()) *row = j;
  else ch.jobs.push_back(j);
  auto s = nlohmann::json::parse(j.spec, nullptr, false);
  if (!s.is_object()) s = nlohmann::json::object();
  s["id"] = j.id;
  s["instance_id"] = j.instance_id ? nlohmann::json(*j.instance_id) : nlohmann::json();
  s["host"] = j.host;
  s["attempt"] = j.attempt;
  s["priority"] = j.priority;
  s["scheduled_at"] = j.scheduled_at;
  s["description"] = j.description;
  out.specs.push_back(std::move(s));
  out.ids.push_back(j.id);
  if (j.instance_id) event(ch, j.org_id, j.instance_id, "job.dispatched", {{"job_id", j.id}, {"host", j.host}, {"agent_id", poller.agent_id}});
}

std::vector<Engine::HandOut> Engine::claim_for_waiting_polls(Changes& ch) {
  std::vector<HandOut> outs;
  if (pollers_.empty()) return outs;
  const int64_t mono = monotonic_now();
  std::vector<int64_t> created;
  for (const JobRow& row : ch.jobs)
    if (row.status == JobStatus::Queued) created.push_back(row.id);
  std::map<uint64_t, size_t> taken;  // poller handle → its entry in outs
  for (const int64_t id : created) {
    auto jt = jobs_.find(id);
    if (jt == jobs_.end() || jt->second->released || jt->second->row.status != JobStatus::Queued || jt->second->due_mono > mono) continue;
    auto hp = pollers_by_queue_.find({jt->second->row.org_id, jt->second->row.host});
    if (hp == pollers_by_queue_.end()) continue;
    for (const uint64_t handle : hp->second) {
      auto [at, fresh] = taken.try_emplace(handle, outs.size());
      if (fresh) outs.emplace_back();
      if (outs[at->second].ids.size() >= pollers_[handle]->max) continue;
      jt->second->released = true;  // handed out: it never joins the queue
      hand_out(*jt->second, *pollers_[handle], ch, outs[at->second]);
      break;
    }
  }
  std::vector<HandOut> claimed;
  for (const auto& [handle, at] : taken) {
    if (outs[at].ids.empty()) continue;
    outs[at].answer = std::move(pollers_[handle]->answer);
    forget_poll(handle);
    claimed.push_back(std::move(outs[at]));
  }
  return claimed;
}

// A hand-out that did not commit is answered with no jobs (memory went back to what the store
// holds, and the agent polls again); one whose agent had gone goes back to the queue.
void Engine::answer_hand_outs(std::vector<HandOut>& outs, bool committed) {
  for (HandOut& out : outs) {
    if (!out.answer) continue;
    if (!committed) {
      out.answer(nlohmann::json::array());
      continue;
    }
    if (!out.answer(out.specs)) requeue_unstarted(out.ids);
  }
}

OpResult Engine::job_started(int64_t job_id, int64_t agent_id, Done done) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return {Outcome::Conflict, fmt::format("job {} is not waiting to run", job_id)};
  JobRow& j = it->second->row;
  if (j.status == JobStatus::Running && j.agent_id.value_or(-1) == agent_id) {
    if (done) done(true, "");  // said again: the answer to the first was lost
    return {};
  }
  if (j.status != JobStatus::Dispatched || j.agent_id.value_or(-1) != agent_id)
    return {Outcome::Conflict, fmt::format("job {} was not handed to this agent, or is {}", job_id, name(j.status))};
  j.status = JobStatus::Running;
  j.started_at = wall_now();
  it->second->since_mono = monotonic_now();
  Changes ch;
  ch.jobs.push_back(j);
  event(ch, j.org_id, j.instance_id, "job.running", {{"job_id", j.id}, {"host", j.host}});
  commit_with_next(std::move(ch));  // commit_with_next says why it need not be stored first
  if (done) done(true, "");
  return {};
}

OpResult Engine::job_output(int64_t job_id, int64_t agent_id, const std::string& stream, const std::string& data) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second->row.agent_id.value_or(-1) != agent_id)
    return {Outcome::Conflict, fmt::format("job {} is not running on this agent", job_id)};
  std::string& out = stream == "stderr" ? it->second->live_stderr : it->second->live_stdout;
  if (out.size() >= kLiveOutputCap || data.empty()) return {};
  const size_t offset = out.size();
  out.append(data.substr(0, kLiveOutputCap - out.size()));
  // Output is not stored until the job's report, so its event is heard live and never replayed;
  // the offset lets a listener that missed a chunk notice and read the job instead.
  const JobRow& j = it->second->row;
  announce(j.org_id, j.instance_id, "job.output",
           {{"job_id", j.id}, {"host", j.host}, {"stream", stream}, {"offset", offset}, {"text", out.substr(offset)}});
  return {};
}

const std::string* Engine::live_output(int64_t job_id, bool stderr_stream) const {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return nullptr;
  return stderr_stream ? &it->second->live_stderr : &it->second->live_stdout;
}

OpResult Engine::job_completed(int64_t job_id, int64_t agent_id, const JobReportIn& report, Done done) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    // Ended already: a repeated report (the agent's outbox after a restart) changes nothing.
    auto known = store::jobs::find_any(reader_, job_id);
    if (!known.ok()) return {Outcome::Unavailable, "the store could not be read: " + known.error()};
    if (!*known) return {Outcome::NotFound, fmt::format("no job {}", job_id)};
    if (done) done(true, "");
    return {};
  }
  if (it->second->row.agent_id.value_or(-1) != agent_id)
    return {Outcome::Conflict, fmt::format("job {} was not handed to this agent", job_id)};
  Changes ch;
  record_job_end(*it->second, report, ch);
  commit(std::move(ch), std::move(done));
  return {};
}

std::vector<int64_t> Engine::agent_heartbeat(int64_t agent_id, const std::set<int64_t>& listed, bool host_restarted) {
  const int64_t now = monotonic_now();
  if (host_restarted) host_restarts_[agent_id] = now;
  const auto restart = host_restarts_.find(agent_id);
  const auto [last, first] = heartbeats_.try_emplace(agent_id, now);
  // Only what changed before the previous heartbeat is judged: a poll's answer or a start that
  // crossed this heartbeat on the wire may not be in its list yet. The first heartbeat this
  // engine hears from an agent judges nothing.
  const int64_t previous = first ? now : last->second;
  last->second = now;
  std::vector<int64_t> cancel, unstarted;
  std::vector<std::pair<int64_t, JobReportIn>> gone;
  for (auto& [id, live] : jobs_) {
    const JobRow& j = live->row;
    if (j.agent_id.value_or(-1) != agent_id) continue;
    if (j.status != JobStatus::Dispatched && j.status != JobStatus::Running) continue;
    if (j.cancel_requested_at) cancel.push_back(id);
    if (listed.count(id) || live->since_mono >= previous) continue;
    const bool restarted = restart != host_restarts_.end() && live->since_mono < restart->second;
    if (j.status == JobStatus::Dispatched && !restarted) {
      unstarted.push_back(id);
      continue;
    }
    // Asked to stop, it has: what was asked, for the reason it was asked. Otherwise a failure
    // that may pass.
    JobReportIn report;
    report.status = j.cancel_requested_at ? JobStatus::Cancelled : JobStatus::Failed;
    report.error = j.cancel_requested_at                 ? j.error
                   : j.status == JobStatus::Dispatched ? "the agent's host restarted after the job was handed to it; it may have started"
                                                       : "agent no longer runs this job";
    gone.emplace_back(id, std::move(report));
  }
  requeue_unstarted(unstarted);
  end_jobs(gone);
  return cancel;
}

size_t Engine::agents_heard_within(int64_t within_ms) {
  const int64_t now = monotonic_now();
  return static_cast<size_t>(std::count_if(heartbeats_.begin(), heartbeats_.end(), [&](const auto& h) { return now - h.second < within_ms; }));
}

std::optional<int64_t> Engine::since_heartbeat(int64_t agent_id) {
  auto it = heartbeats_.find(agent_id);
  if (it == heartbeats_.end()) return std::nullopt;
  return monotonic_now() - it->second;
}

// Jobs handed out and never started go back to their queues, in one unit, and are offered again.
void Engine::requeue_unstarted(const std::vector<int64_t>& ids) {
  Changes requeued;
  std::set<QueueKey> queues;
  for (const int64_t id : ids) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    JobRow& j = it->second->row;
    return_to_queue(j);
    requeued.jobs.push_back(j);
    enqueue(j);
    queues.insert({j.org_id, j.host});
  }
  if (requeued.empty()) return;
  commit(std::move(requeued), nullptr);
  for (const QueueKey& q : queues) feed_pollers(q);
}

// Jobs that end without a report of their agent's, in one unit.
void Engine::end_jobs(const std::vector<std::pair<int64_t, JobReportIn>>& ends) {
  if (ends.empty()) return;
  Changes ch;
  for (const auto& [id, report] : ends) {
    auto it = jobs_.find(id);
    if (it != jobs_.end()) record_job_end(*it->second, report, ch);
  }
  commit(std::move(ch), nullptr);
}

// A job ended (a report, the sweeper, a cancel): its row, and the run effect waiting for it.
void Engine::record_job_end(LiveJob& live, const JobReportIn& report, Changes& ch) {
  JobRow j = live.row;
  j.status = report.status;
  j.exit_code = report.exit_code;
  j.duration_ms = report.duration_ms;
  j.stdout_text = report.stdout_text;
  j.stderr_text = report.stderr_text;
  j.stdout_truncated = report.stdout_truncated;
  j.stderr_truncated = report.stderr_truncated;
  // Cancelled when asked: the reason it was asked for says more than the agent's report.
  j.error = report.status == JobStatus::Cancelled && j.cancel_requested_at && !j.error.empty() ? j.error : report.error;
  j.ended_at = effects::wall_clock_ms();
  unqueue(j);
  jobs_.erase(j.id);  // `live` is gone from here on
  ch.jobs.push_back(j);
  nlohmann::json data = {{"job_id", j.id}, {"host", j.host}, {"status", name(j.status)}, {"exit_code", report.exit_code}, {"duration_ms", report.duration_ms}};
  event(ch, j.org_id, j.instance_id, "job.completed", data);
  if (!j.instance_id) return;
  auto in = instances_.find(*j.instance_id);
  if (in == instances_.end()) return;
  Instance& instance = *in->second;
  auto w = instance.waits.find(static_cast<uint64_t>(*j.effect_seq));
  if (w == instance.waits.end() || !w->second.run) return;
  Wait& wait = w->second;
  const size_t host = static_cast<size_t>(*j.host_index);
  auto r = wait.round.find(host);
  if (r == wait.round.end() || r->second != j.id) return;  // a job of an earlier round
  log(instance, ch, "job", fmt::format("{}: {} (exit {}, {})", j.host, name(j.status), report.exit_code, vm::format_duration(report.duration_ms)));
  wait.run->record(host, job_outcome(j), job_retryable(j.status));
  progress_run(instance, wait, ch);
  if (wait.ready && !instance.row.operator_paused) {
    advance(instance, ch);
    return;
  }
  // A round delayed for a retry pauses the instance (retry_delay) until its jobs fall due.
  if (update_status(instance, ch)) ch.instances.push_back(instance.row);
}

int64_t Engine::create_job(int64_t org, const std::string& host, const nlohmann::json& spec, const std::string& description,
                           int64_t priority, Done done, std::optional<store::JobScript> script) {
  const std::string text = spec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return create_jobs(org, {AdHocJob{host, text, spec.value("timeout_ms", int64_t{300000}), description, priority, std::move(script)}},
                     std::move(done))
      .front();
}

std::vector<int64_t> Engine::create_jobs(int64_t org, const std::vector<AdHocJob>& jobs, Done done, JobsAnnex annex) {
  std::vector<int64_t> ids;
  Changes ch;
  for (const AdHocJob& job : jobs) {
    JobRow j;
    j.id = next_job_id_++;
    j.org_id = org;
    j.host = job.host;
    j.priority = job.priority;
    j.scheduled_at = wall_now();
    j.spec = job.spec;
    j.description = job.description;
    j.status = JobStatus::Queued;
    j.script = job.script;
    auto live = std::make_unique<LiveJob>();
    live->row = j;
    live->timeout_ms = job.timeout_ms;
    live->due_mono = monotonic_now();
    jobs_[j.id] = std::move(live);
    ch.jobs.push_back(j);
    event(ch, org, std::nullopt, "job.queued", {{"job_id", j.id}, {"host", job.host}, {"description", job.description}});
    ids.push_back(j.id);
  }
  if (annex) annex(ids, ch);
  commit(std::move(ch), std::move(done));
  return ids;
}

// A queued job ends at once. One handed out or running is only asked to stop (its agent may have
// started it): the agent hears of it in its next heartbeat, kills the job's processes and
// reports it cancelled (its output kept), unless it ends on its own first.
OpResult Engine::cancel_job(int64_t org, int64_t job_id, Done done) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second->row.org_id != org) return {Outcome::Conflict, fmt::format("job {} has already ended", job_id)};
  Changes ch;
  if (it->second->row.status == JobStatus::Running || it->second->row.status == JobStatus::Dispatched) {
    request_job_stop(*it->second, "cancelled by an operator", ch);
    commit(std::move(ch), std::move(done));
    return {};
  }
  JobReportIn report;
  report.status = JobStatus::Cancelled;
  report.error = "cancelled by an operator";
  record_job_end(*it->second, report, ch);
  commit(std::move(ch), std::move(done));
  return {};
}

// The agent hears it in its next heartbeat. The reason is kept in the job's error (stored, so it
// outlives a restart of the service) and is what the job ends with when it is reported cancelled;
// the first request wins.
void Engine::request_job_stop(LiveJob& job, const std::string& reason, Changes& ch) {
  JobRow& j = job.row;
  if (j.cancel_requested_at) return;
  j.cancel_requested_at = effects::wall_clock_ms();
  j.error = reason;
  ch.jobs.push_back(j);
  event(ch, j.org_id, j.instance_id, "job.cancel_requested", {{"job_id", j.id}, {"host", j.host}, {"reason", reason}});
}

// SPEC §4.2: a job running (or handed out) for more than twice its timeout has lost its agent; a
// queued job not picked up 30 minutes (stale_queued_ms_) after its time never will be. Both end, and the instance
// waiting for them goes on.
void Engine::on_sweep(uv_timer_t* handle) {
  try {
    static_cast<Engine*>(handle->data)->sweep_jobs();
  } catch (const std::exception& e) {
    // Nothing may unwind into libuv; the next sweep tries again.
    log::error(fmt::format("the stale-job sweep failed: {}", e.what()));
  }
}

// Every age is measured on the monotonic clock (LiveJob's due_mono and since_mono), so a step of
// the wall clock ages no job.
void Engine::sweep_jobs() {
  const int64_t now = monotonic_now();
  std::vector<std::pair<int64_t, JobReportIn>> stale;
  for (const auto& [id, live] : jobs_) {
    const JobRow& j = live->row;
    if (j.status == JobStatus::Running || j.status == JobStatus::Dispatched) {
      if (now - live->since_mono > 2 * live->timeout_ms) {
        JobReportIn r;
        r.status = JobStatus::Timeout;
        r.error = "agent unreachable";
        stale.emplace_back(id, r);
      }
    } else if (j.status == JobStatus::Queued && live->released && now - live->due_mono > stale_queued_ms_) {
      JobReportIn r;
      r.status = JobStatus::Failed;
      r.error = "Agent did not pick up job";
      stale.emplace_back(id, r);
    }
  }
  end_jobs(stale);
}

}  // namespace wf::engine

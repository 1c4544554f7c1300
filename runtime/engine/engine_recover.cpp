// Recovery at start (SPEC §4): the live instances, the effects they wait for, the jobs not yet
// ended and the pending approvals are rebuilt from the store, and their timers re-armed. A run
// effect's progress is replayed from its jobs' rows, an approval's from its audited responses.
#include <fmt/format.h>
#include <nlohmann/json.hpp>


#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "vm/continuation.h"
#include "vm/render.h"

namespace wf::engine {

using effects::field_int;
using effects::field_string;

namespace {

std::optional<int64_t> optional_int(const store::Statement& s, int col) {
  if (s.column_is_null(col)) return std::nullopt;
  return s.column_int64(col);
}

std::optional<bytecode::EffectKind> effect_kind(const std::string& name) {
  for (int k = 0; k < bytecode::kEffectKindCount; ++k)
    if (bytecode::effect_name(static_cast<bytecode::EffectKind>(k)) == name) return static_cast<bytecode::EffectKind>(k);
  return std::nullopt;
}

constexpr const char* kJobColumns =
    "id, org_id, instance_id, effect_seq, host_index, host, attempt, spec, description, priority, status, scheduled_at, "
    "dispatched_at, started_at, ended_at, agent_id, exit_code, stdout, stderr, stdout_truncated, stderr_truncated, "
    "duration_ms, error";

JobRow read_job(const store::Statement& s) {
  JobRow j;
  j.id = s.column_int64(0);
  j.org_id = s.column_int64(1);
  j.instance_id = optional_int(s, 2);
  j.effect_seq = optional_int(s, 3);
  j.host_index = optional_int(s, 4);
  j.host = s.column_text(5);
  j.attempt = s.column_int64(6);
  j.spec = s.column_text(7);
  j.description = s.column_text(8);
  j.priority = s.column_int64(9);
  j.status = s.column_text(10);
  j.scheduled_at = s.column_int64(11);
  j.dispatched_at = optional_int(s, 12);
  j.started_at = optional_int(s, 13);
  j.ended_at = optional_int(s, 14);
  j.agent_id = optional_int(s, 15);
  j.exit_code = optional_int(s, 16);
  j.stdout_text = s.column_text(17);
  j.stderr_text = s.column_text(18);
  j.stdout_truncated = s.column_int64(19) != 0;
  j.stderr_truncated = s.column_int64(20) != 0;
  j.duration_ms = optional_int(s, 21);
  j.error = s.column_text(22);
  return j;
}

}  // namespace

bool Engine::recover(std::string& error) {
  auto max_id = [&](const char* sql) {
    auto& s = reader_.prepare(sql);
    const int64_t v = s.step() ? s.column_int64(0) : 0;
    s.reset();
    return v + 1;
  };
  next_instance_id_ = max_id("SELECT COALESCE(MAX(id), 0) FROM instances");
  next_job_id_ = max_id("SELECT COALESCE(MAX(id), 0) FROM jobs");
  next_approval_id_ = max_id("SELECT COALESCE(MAX(id), 0) FROM approvals");
  next_event_id_ = max_id("SELECT COALESCE(MAX(id), 0) FROM events");
  if (!recover_jobs(error) || !recover_instances(error)) return false;
  uv_timer_start(&sweeper_, [](uv_timer_t* h) {
    try {
      static_cast<Engine*>(h->data)->sweep_jobs();
    } catch (const std::exception& e) {
      // Nothing may unwind into libuv; the next sweep tries again.
      fmt::print(stderr, "wf serve: the stale-job sweep failed: {}\n", e.what());
    }
  }, 1000, 5000);
  return true;
}

bool Engine::recover_jobs(std::string& error) {
  auto& s = reader_.prepare(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE status IN ('queued', 'dispatched', 'running') ORDER BY id");
  Changes ch;
  while (s.step()) {
    auto live = std::make_unique<LiveJob>();
    live->row = read_job(s);
    auto spec = nlohmann::json::parse(live->row.spec, nullptr, false);
    if (spec.is_object() && spec.contains("timeout_ms") && spec["timeout_ms"].is_number_integer())
      live->timeout_ms = spec["timeout_ms"].get<int64_t>();
    if (live->row.status == "dispatched") {
      // Handed out, never started (an agent runs a job only once its start has committed).
      return_to_queue(live->row);
      ch.jobs.push_back(live->row);
    }
    live->released = true;
    if (live->row.status == "queued") enqueue(live->row);
    jobs_[live->row.id] = std::move(live);
  }
  if (!s.ok()) {
    error = "cannot read jobs: " + s.error();
    s.reset();
    return false;
  }
  s.reset();
  if (!ch.empty()) commit(std::move(ch), nullptr);
  return true;
}

bool Engine::recover_instances(std::string& error) {
  auto& s = reader_.prepare(
      "SELECT id, org_id, definition_id, version, workflow, module_hash, status, pause_reason, params, targets, "
      "parent_id, parent_fiber, parent_seq, created_at, scheduled_at, started_at, ended_at, timeout_at, continuation, "
      "checkpoint, operator_paused FROM instances "
      "WHERE status NOT IN ('completed', 'failed', 'cancelled', 'timeout') ORDER BY id");
  std::vector<std::unique_ptr<Instance>> loaded;
  while (s.step()) {
    auto in = std::make_unique<Instance>();
    InstanceRow& r = in->row;
    r.id = s.column_int64(0);
    r.org_id = s.column_int64(1);
    r.definition_id = s.column_int64(2);
    r.version = s.column_int64(3);
    r.workflow = s.column_text(4);
    r.module_hash = s.column_text(5);
    r.status = s.column_text(6);
    r.pause_reason = s.column_text(7);
    r.params = s.column_text(8);
    r.targets = s.column_text(9);
    r.parent_id = optional_int(s, 10);
    r.parent_fiber = optional_int(s, 11);
    r.parent_seq = optional_int(s, 12);
    r.created_at = s.column_int64(13);
    r.scheduled_at = optional_int(s, 14);
    r.started_at = optional_int(s, 15);
    r.ended_at = optional_int(s, 16);
    r.timeout_at = optional_int(s, 17);
    const std::string_view c = s.column_blob(18), cp = s.column_blob(19);
    if (!c.empty()) r.continuation = share(std::vector<uint8_t>(c.begin(), c.end()));
    if (!cp.empty()) r.checkpoint = share(std::vector<uint8_t>(cp.begin(), cp.end()));
    r.operator_paused = s.column_int64(20) != 0;
    loaded.push_back(std::move(in));
  }
  if (!s.ok()) {
    error = "cannot read instances: " + s.error();
    s.reset();
    return false;
  }
  s.reset();
  std::vector<std::pair<int64_t, Changes>> to_advance;
  for (auto& in : loaded) {
    InstanceRow& r = in->row;
    in->program = programs_(r.definition_id, r.version);
    if (!in->program) {
      fmt::print(stderr, "wf serve: instance {}: its definition version is gone; left as it is\n", r.id);
      continue;
    }
    for (uint32_t k = 0; k < in->program->module.workflows.size(); ++k)
      if (in->program->module.workflows[k].name == r.workflow) in->workflow_index = k;
    auto& st = reader_.prepare("SELECT COALESCE(MAX(idx) + 1, 0) FROM steps WHERE instance_id = ?1");
    st.bind(1, r.id);
    if (st.step()) in->next_step = st.column_int64(0);
    st.reset();
    auto& lg = reader_.prepare("SELECT COALESCE(MAX(seq) + 1, 1) FROM instance_log WHERE instance_id = ?1");
    lg.bind(1, r.id);
    if (lg.step()) in->next_log_seq = lg.column_int64(0);
    lg.reset();
    auto& open = reader_.prepare(
        "SELECT idx, kind, name, effect_seq, started_at FROM steps WHERE instance_id = ?1 AND status = 'running'");
    open.bind(1, r.id);
    while (open.step()) {
      StepRow row;
      row.instance_id = r.id;
      row.idx = open.column_int64(0);
      row.kind = open.column_text(1);
      row.name = open.column_text(2);
      row.effect_seq = optional_int(open, 3);
      row.status = "running";
      row.started_at = open.column_int64(4);
      in->open_steps[row.idx] = row;
    }
    open.reset();
    if (r.status == "queued" && r.scheduled_at) arm(*r.scheduled_at, Timer{Timer::Kind::DeferredStart, r.id, 0, {}});
    if (r.timeout_at && r.status != "queued") arm(*r.timeout_at, Timer{Timer::Kind::InstanceTimeout, r.id, 0, {}});
    auto& ws = reader_.prepare("SELECT seq, fiber, kind, args, due_at FROM waits WHERE instance_id = ?1 ORDER BY seq");
    ws.bind(1, r.id);
    std::vector<Wait> waits;
    while (ws.step()) {
      Wait w;
      w.seq = static_cast<uint64_t>(ws.column_int64(0));
      w.fiber = static_cast<uint32_t>(ws.column_int64(1));
      const auto kind = effect_kind(ws.column_text(2));
      const std::string_view a = ws.column_blob(3);
      std::vector<vm::Value> args;
      std::string why;
      if (!kind || !vm::decode_values(*in->program, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(a.data()), a.size()), args, why) ||
          args.size() != 1) {
        fmt::print(stderr, "wf serve: instance {}: a wait could not be read ({}); it will never resume\n", r.id, why);
        continue;
      }
      w.kind = *kind;
      w.args = std::move(args[0]);
      w.due_at = optional_int(ws, 4);
      waits.push_back(std::move(w));
    }
    ws.reset();
    Instance& live = *in;
    instances_[r.id] = std::move(in);
    Changes ch;  // what settling recorded answers changes (a step row closed, a signal taken)
    for (Wait& w : waits) {
      for (const auto& [idx, step] : live.open_steps)
        if (step.effect_seq && static_cast<uint64_t>(*step.effect_seq) == w.seq) w.step = idx;
      const uint64_t seq = w.seq;
      live.waits[seq] = std::move(w);
      rebuild_wait(live, live.waits[seq], ch);
    }
    bool ready = false;
    for (auto& [seq, w] : live.waits) ready = ready || w.ready;
    if ((ready && !live.row.operator_paused) || !ch.empty()) to_advance.emplace_back(r.id, std::move(ch));
  }
  for (auto& [id, ch] : to_advance) {
    auto it = instances_.find(id);
    if (it == instances_.end()) continue;
    bool ready = false;
    for (auto& [seq, w] : it->second->waits) ready = ready || w.ready;
    if (ready && !it->second->row.operator_paused) advance(*it->second, ch);
    commit(std::move(ch), nullptr);
  }
  return true;
}

// Rebuilds what a wait needs in memory from the store; settles it if its answer was recorded.
void Engine::rebuild_wait(Instance& in, Wait& w, Changes& scratch) {
  using bytecode::EffectKind;
  const int64_t now = effects::wall_clock_ms();
  switch (w.kind) {
    case EffectKind::Run: {
      std::map<std::pair<int64_t, int64_t>, JobRow> rows;  // (host index, attempt) → job
      auto& q = reader_.prepare(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE instance_id = ?1 AND effect_seq = ?2");
      q.bind(1, in.row.id).bind(2, static_cast<int64_t>(w.seq));
      while (q.step()) {
        JobRow j = read_job(q);
        rows[{j.host_index.value_or(-1), j.attempt}] = std::move(j);
      }
      q.reset();
      w.run = std::make_unique<effects::RunState>(w.args, effects::canary_policy(in.program->module.workflows[in.workflow_index]));
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
          // Not ended: it was recovered into jobs_ (a dispatched one queued again).
          if (jobs_.count(j.id)) {
            pending = true;
            continue;
          }
          w.run->record(i, job_outcome(j), job_retryable(j.status));
        }
        if (pending) return;
        effects::RunState::Next next = w.run->next();
        if (next.kind == effects::RunState::Next::Kind::Done) {
          settle_wait(in, w, next.failed, std::move(next.value), scratch);
          return;
        }
        if (next.kind == effects::RunState::Next::Kind::Nothing) return;
        round = next.hosts;
      }
    }
    case EffectKind::Approve: {
      auto& q = reader_.prepare(
          "SELECT id, org_id, title, quorum, approvers, status, created_at, timeout_at, decided_at FROM approvals "
          "WHERE instance_id = ?1 AND effect_seq = ?2");
      q.bind(1, in.row.id).bind(2, static_cast<int64_t>(w.seq));
      if (!q.step()) {
        q.reset();
        return;
      }
      auto a = std::make_unique<Approval>();
      a->row.id = q.column_int64(0);
      a->row.org_id = q.column_int64(1);
      a->row.instance_id = in.row.id;
      a->row.effect_seq = w.seq;
      a->row.title = q.column_text(2);
      a->row.quorum = q.column_text(3);
      a->row.approvers = q.column_text(4);
      a->row.status = q.column_text(5);
      a->row.created_at = q.column_int64(6);
      a->row.timeout_at = optional_int(q, 7);
      a->row.decided_at = optional_int(q, 8);
      q.reset();
      a->state = std::make_unique<effects::ApprovalState>(w.args);
      auto& rq = reader_.prepare("SELECT who, decision, note, via FROM approval_responses WHERE approval_id = ?1 ORDER BY rowid");
      rq.bind(1, a->row.id);
      while (rq.step()) a->state->respond(rq.column_text(0), rq.column_text(1) == "approve", rq.column_text(2), rq.column_text(3));
      rq.reset();
      w.approval_id = a->row.id;
      if (a->row.status == "pending") {
        if (a->row.timeout_at) arm(*a->row.timeout_at, Timer{Timer::Kind::ApprovalTimeout, a->row.id, 0, {}});
        approvals_[a->row.id] = std::move(a);
        return;
      }
      if (a->row.status == "expired") a->state->expire();
      else if (!a->state->decided()) a->state->decide(a->row.status == "approved");
      settle_approval(in, w, *a->state, scratch);
      return;
    }
    case EffectKind::Sleep:
    case EffectKind::SleepUntil:
      if (!w.due_at || *w.due_at <= now) settle_wait(in, w, false, vm::Value(), scratch);
      else arm(*w.due_at, Timer{Timer::Kind::Sleep, in.row.id, w.seq, {}});
      return;
    case EffectKind::WaitEvent: {
      w.event = field_string(w.args, "event");
      auto& q = reader_.prepare("SELECT payload FROM signals WHERE instance_id = ?1 AND event = ?2 ORDER BY rowid LIMIT 1");
      q.bind(1, in.row.id).bind(2, std::string_view(w.event));
      if (q.step()) {
        auto j = nlohmann::ordered_json::parse(q.column_text(0), nullptr, false);
        q.reset();
        scratch.signals_taken.emplace_back(in.row.id, w.event);
        settle_wait(in, w, false, j.is_discarded() ? vm::Value() : vm::from_json(j), scratch);
        return;
      }
      q.reset();
      if (w.due_at) {
        if (*w.due_at <= now)
          settle_wait(in, w, true, effects::make_error("timeout", fmt::format("event \"{}\" did not arrive", w.event)), scratch);
        else arm(*w.due_at, Timer{Timer::Kind::EventTimeout, in.row.id, w.seq, {}});
      }
      return;
    }
    case EffectKind::Child: {
      auto& q = reader_.prepare("SELECT id, status FROM instances WHERE parent_id = ?1 AND parent_seq = ?2");
      q.bind(1, in.row.id).bind(2, static_cast<int64_t>(w.seq));
      if (q.step()) w.child_id = q.column_int64(0);
      q.reset();
      // A child that ended while its parent was not yet recovered delivers in deliver_to_parent;
      // one that ended before the crash committed its delivery in the same unit.
      return;
    }
    default: return;
  }
}

}  // namespace wf::engine

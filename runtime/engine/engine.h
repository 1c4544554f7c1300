// The engine of `wf serve` (SPEC §4.1–§4.3): drives every instance's VM on the loop thread,
// turns the effects it asks for into durable records (jobs for agents, approval requests,
// timers), and resumes it when they are answered. Every transition of an instance is one unit of
// the store's writer (changes.h); its consequences — jobs handed to agents, timers armed, events
// published, the HTTP answer — take effect only after that unit has committed, so a crash at any
// moment loses nothing and repeats no job.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/engine/clock.h"
#include "runtime/store/changes.h"
#include "runtime/store/query.h"
#include "runtime/store/statuses.h"
#include "runtime/store/writer.h"
#include "stdlib/error_kinds.h"
#include "vm/machine.h"

namespace wf::effects {
class ApprovalState;
}

namespace wf::store {
struct RecoveredInstance;
}

namespace wf::engine {

using store::ApprovalRow;
using store::Changes;
using store::EventRow;
using store::InstanceRow;
using store::JobRow;
using store::LogRow;
using store::ResponseRow;
using store::SessionRow;
using store::SignalRow;
using store::StepRow;
using store::WaitRow;
using store::SharedBytes;
using store::share;
using store::view;

struct Instance;
struct Wait;
class Transition;

// Called after the unit carrying an operation has committed (ok), or failed to (the error).
using Done = std::function<void(bool ok, const std::string& error)>;

// The compiled module of a definition version; null when there is none.
using ProgramLoader = std::function<std::shared_ptr<const vm::Program>(int64_t definition_id, int64_t version)>;

using store::ApprovalStatus;
using store::InstanceStatus;
using store::JobStatus;
using store::PauseReason;
using store::Trigger;
using store::name;

// "Start version V of workflow W with these parameters, these targets and this trigger": the one
// request every way of starting an instance makes (an API run, a deferred start, a child
// workflow, later schedules and hooks).
struct StartRequest {
  int64_t org_id = 0, definition_id = 0, version = 0;
  std::shared_ptr<const vm::Program> program;
  uint32_t workflow_index = 0;
  std::vector<vm::Value> args;  // in parameter order
  std::string params_json = "{}", targets_json = "{}";
  Trigger trigger = Trigger::Manual;
  std::optional<int64_t> scheduled_at;  // a deferred start
  // A child workflow's instance: the parent and the effect it waits on.
  std::optional<int64_t> parent_id, parent_fiber, parent_seq;
};

// How an operation was refused: 404, 409, 400, or 503 when the store could not answer.
enum class Outcome { Ok, NotFound, Conflict, BadRequest, Unavailable };

struct OpResult {
  Outcome outcome = Outcome::Ok;
  std::string message;
};

// What an upgrade of one instance to another version found (SPEC §4.11): the step it restarts,
// or why it may not move.
struct UpgradeVerdict {
  int64_t instance_id = 0, from_version = 0, to_version = 0;
  std::string step;
  std::string refusal;  // empty: it may move (a dry run) or has moved
};

struct JobReportIn {
  JobStatus status = JobStatus::Failed;  // an ended job's status
  int64_t exit_code = -1, duration_ms = 0;
  std::string stdout_text, stderr_text, error;
  bool stdout_truncated = false, stderr_truncated = false;
};

// What the engine may know of a vault identity: never its secret.
struct IdentityInfo {
  std::string username, domain, credential_type;
  bool requires_approval = false, rotate_after_use = false;
  // Who approves a checkout: "user:NAME" or "role:NAME"; none names anyone holding
  // pam_vaults.manage. Under `approval_quorum`, expiring after `approval_timeout_ms`.
  std::vector<std::string> approvers;
  std::string approval_quorum = "one_of_many";
  int64_t approval_timeout_ms = 3600000;
};
using IdentityLookup = std::function<store::Result<std::optional<IdentityInfo>>(int64_t org_id, const std::string& name)>;

// Where a live instance stands, by name; empty strings once it has ended (then the store has its
// row).
struct LiveStatus {
  std::string status, pause_reason;
};

// What one instance's committed unit lets happen after its COMMIT (SPEC §4: nothing a transition
// made is visible before): queued jobs reach the agents' polls, events reach SSE listeners, and,
// later, notifications reach delivery. Each is an outbox the engine hands every committed unit
// to, in commit order, on the loop thread.
class PostCommit {
 public:
  virtual ~PostCommit() = default;
  virtual void released(const Changes& committed) = 0;
};

// The host of VM code run outside any instance (a parameter's default value while a start is
// bound): the service's clock, no local machine, no environment, nothing recorded.
class ServiceHost : public vm::Host {
 public:
  int64_t now_ms() override;
  vm::Value localhost() override;
  vm::Value env(std::string_view name) override;
  void on_log(uint32_t, const std::string&) override {}
  void on_step(uint32_t, const vm::Value&, vm::StepEvent) override {}
  void on_condition(uint32_t, const std::string&, bool) override {}
};

// Threading: every member function runs on the loop thread.
class Engine {
 public:
  struct LiveJob;
  Engine(uv_loop_t* loop, store::Writer& writer, store::Database& reader, ProgramLoader programs);
  ~Engine();

  // Loads what was in flight from the store (non-terminal instances, their waits, jobs,
  // approvals) and re-arms timers. Before the loop runs: the ids and the jobs at once (false with
  // `error` when the store cannot say), then the instances a chunk per loop turn; `recovered`
  // hears when they all are (or why recovery failed). Until then recovering() is true.
  bool recover(std::string& error, Done recovered);
  bool recovering() const { return recovering_; }
  // Stops timers and closes the engine's handles so the loop can end.
  void close();
  // Where `checkout` finds identities (the service's vault); without it every checkout fails.
  void set_identity_lookup(IdentityLookup lookup) { identities_ = std::move(lookup); }
  // Closes an open checkout session at once (an administrator's revoke): a job running `as` it
  // is refused its secret from then on; the instance's log records it. NotFound when the session
  // is unknown or closed.
  OpResult revoke_session(int64_t org, const std::string& session, const std::string& by, Done done);
  // What went wrong with an identity's rotation: an event `vault.rotation_failed` and, when the
  // identity has a channel ("kind:target"), a notification to it, delivered like `notify`'s.
  void report_vault(int64_t org, const std::string& identity, const std::string& channel, const std::string& message, Done done);
  // Adds an outbox that hears every committed unit (see PostCommit); it must outlive the engine's
  // last commit.
  void add_outbox(PostCommit& outbox) { outboxes_.push_back(&outbox); }
  // The host parameter defaults are evaluated with.
  vm::Host& binding_host() { return binding_host_; }
  // The clocks the engine reads (the loop's by default); before recover(). Tests step a wall
  // clock of their own through it.
  void set_clock(Clock& clock) {
    clock_ = &clock;
    clock_offset_ = clock.wall_ms() - clock.monotonic_ms();
  }

  // ---- instances (each operation names the organization; another's instance is not found)
  int64_t start(StartRequest request, Done done);
  // Rows the caller adds to the unit of a start, once the ids of what it made are known: a
  // schedule's tick and advance, which commit with its instance or jobs or not at all.
  using Annex = std::function<void(int64_t id, Changes& unit)>;
  using JobsAnnex = std::function<void(const std::vector<int64_t>& ids, Changes& unit)>;
  int64_t start(StartRequest request, Annex annex, Done done);
  // A unit of the caller's rows alone (a tick that started nothing), committed in order with the
  // engine's units.
  void record(Changes unit, Done done) { commit(std::move(unit), std::move(done)); }
  OpResult cancel(int64_t org, int64_t id, Done done);
  OpResult pause(int64_t org, int64_t id, Done done);
  OpResult resume(int64_t org, int64_t id, Done done);
  OpResult retry(int64_t org, int64_t id, Done done);
  // Moves the live instance `id` to `version` of its definition (engine_upgrade.cpp): one unit,
  // committed before `done`; with `dry_run`, only says whether it could (nothing changes and
  // `done` is not called). `verdict` says which step restarts, or why it may not move.
  OpResult upgrade(int64_t org, int64_t id, int64_t version, bool dry_run, UpgradeVerdict& verdict, Done done);
  // The live instances of definition `definition_id` of `org`, by id.
  std::vector<int64_t> live_instances_of(int64_t org, int64_t definition_id) const;
  // Delivers an event to the instance's `wait event` for it; when none waits, the event is kept
  // for a later one and `delivered` is false.
  OpResult signal(int64_t org, int64_t id, const std::string& event, const std::string& payload_json, bool& delivered, Done done);

  // ---- approvals
  struct ApprovalAnswer {
    std::string who;          // the person whose vote it is
    bool approve = false;
    std::string note, via;    // via: "api", "cli" or "web"
    std::string recorded_by;  // an administrator who answered on `who`'s behalf; "" for their own
    bool settle = false;      // decides whatever the quorum (an administrator who is not an approver)
  };
  // A response to a pending request; Conflict when it is decided or `who` has responded already.
  OpResult respond(int64_t org, int64_t approval_id, const ApprovalAnswer& answer, Done done);

  // ---- jobs and agents (an agent's calls name its organization and its host)
  // Hands up to `max` ready jobs of `host` in `org` to an agent: now, or when one becomes ready
  // within `wait_ms`. `answer` gets the job specs (a JSON array) once their hand-out is committed,
  // and says whether they reached the agent (false: its connection had gone, and they go back to
  // the queue). Returns a handle for forget_poll (the agent went away).
  using PollAnswer = std::function<bool(const nlohmann::json& jobs)>;
  uint64_t poll(int64_t org, const std::string& host, int64_t agent_id, size_t max, int64_t wait_ms, PollAnswer answer);
  void forget_poll(uint64_t handle);
  OpResult job_started(int64_t job_id, int64_t agent_id, Done done);
  OpResult job_output(int64_t job_id, int64_t agent_id, const std::string& stream, const std::string& data);
  OpResult job_completed(int64_t job_id, int64_t agent_id, const JobReportIn& report, Done done);
  // An agent's heartbeat names the jobs it has (`listed`: waiting for a slot, running, or with a
  // report not yet taken). A job the engine thinks is on that agent, handed out or started before
  // its previous heartbeat and not listed, is not there: handed out, it goes back to the queue
  // (the agent never had it: it names a job from the moment it takes it) — unless the agent's
  // host restarted since (`host_restarted`), which may have taken the job's start record with it;
  // started, or handed out before such a restart, it ends failed, a failure a `run`'s retry may
  // pass. Returns the ids of the agent's jobs an operator asked to cancel, which the agent is to
  // kill.
  std::vector<int64_t> agent_heartbeat(int64_t agent_id, const std::set<int64_t>& listed, bool host_restarted = false);
  // How long ago the agent's last heartbeat came, on the monotonic clock (so a step of the wall
  // clock does not make an agent look online or offline); nullopt until this engine hears one.
  std::optional<int64_t> since_heartbeat(int64_t agent_id);
  // An ad-hoc job (SPEC §4.2) of `org`, `spec` in the agent's form without id; `script` when it
  // runs a script of the script library.
  int64_t create_job(int64_t org, const std::string& host, const nlohmann::json& spec, const std::string& description,
                     int64_t priority, Done done, std::optional<store::JobScript> script = std::nullopt);
  struct AdHocJob {
    std::string host;
    std::string spec;  // the agent's form, without id, as JSON text
    int64_t timeout_ms = 300000;  // the spec's, for the stale-job sweep
    std::string description;
    int64_t priority = 0;
    std::optional<store::JobScript> script;
  };
  // Ad-hoc jobs of `org` in one unit: all are queued, or, when the unit is not stored, none.
  // Their ids, in the order given.
  std::vector<int64_t> create_jobs(int64_t org, const std::vector<AdHocJob>& jobs, Done done, JobsAnnex annex = nullptr);
  // Whether the job has not ended yet.
  bool job_live(int64_t job_id) const { return jobs_.count(job_id) > 0; }
  OpResult cancel_job(int64_t org, int64_t job_id, Done done);
  // The live output of a running job, or null.
  const std::string* live_output(int64_t job_id, bool stderr_stream) const;

  // ---- events (SPEC §4.8): called after the unit that persisted them has committed, in id order.
  // A live event that is not stored (`job.output`) comes with id 0, when it happens.
  using Listener = std::function<void(const EventRow&)>;
  uint64_t subscribe(Listener listener);
  void unsubscribe(uint64_t handle);

  // ---- the kill switch (SPEC §4.6): while an organization's automation is paused, schedule ticks
  // and hook deliveries start nothing. Every automatic start asks this one question.
  bool automation_paused(int64_t org) const {
    auto it = automation_switches_.find(org);
    return it != automation_switches_.end() && it->second.paused;
  }
  // Pauses (`paused`) or resumes the automation of `org`, as `by` (a user's name) asked, for
  // `reason`; Conflict when it already stands so. While paused, an automatic instance (see
  // automatic()) does not begin the next effect it asks for: it is withheld, and the instance is
  // paused with reason `kill_switch`; effects already begun go on. Resuming begins every withheld
  // effect of the organization's instances.
  OpResult set_automation(int64_t org, bool paused, const std::string& by, const std::string& reason, Done done);
  // Where the switch of `org` stands; nullopt when it was never flipped (automation runs).
  std::optional<store::AutomationSwitchRow> automation_switch(int64_t org) const;

  // ---- notifications (SPEC §4.9; delivery is runtime/notify's): what a delivery records — the
  // rows in `ch`, a line in the instance's execution log and the event `type` — committed as one
  // unit through the engine, so that every outbox hears it as it hears a transition.
  void record_notification(int64_t org, std::optional<int64_t> instance, const std::string& log_line, const std::string& type,
                           nlohmann::json data, Changes ch, Done done);

  // How long a queued job may wait past its time for an agent to pick it up before it ends
  // failed (SPEC §4.2: 30 minutes unless `wf serve --stale-queued-after` says otherwise).
  void set_stale_queued_after(int64_t ms) { stale_queued_ms_ = ms; }

  // ---- figures
  size_t live_instances() const { return instances_.size(); }
  size_t waiting_polls() const { return pollers_.size(); }
  size_t pending_approvals() const { return approvals_.size(); }
  size_t armed_timers() const { return timers_.size(); }
  // Agents whose last heartbeat came less than `within_ms` ago (monotonic clock).
  size_t agents_heard_within(int64_t within_ms);
  // The jobs not yet ended, by status (queued, dispatched, running).
  std::map<JobStatus, size_t> live_jobs_by_status() const;
  // Jobs waiting in each host's queue, by organization, host and priority.
  struct QueueDepth {
    int64_t org_id;
    std::string host;
    int64_t priority;
    size_t jobs;
  };
  std::vector<QueueDepth> queue_depths() const;
  LiveStatus status_of(int64_t id) const;
  uint64_t transitions() const { return transitions_; }

 private:
  friend class Transition;
  struct Timer {
    enum class Kind { Sleep, EventTimeout, ApprovalTimeout, InstanceTimeout, StepTimeout, DeferredStart, JobDue, PollDeadline, GoOn, LeaseEnd } kind;
    int64_t id = 0;  // instance (also JobDue's, GoOn's and LeaseEnd's), approval, poller
    uint64_t seq = 0;
    int64_t org = 0;  // JobDue: the queue's organization and host; LeaseEnd: the session's organization
    std::string host;  // LeaseEnd: the session
    // The wall-clock instant it is due at, and whether that instant is what it waits for (`sleep
    // until`, a deferred start: re-evaluated when the wall clock steps) rather than the end of a
    // duration (measured on the monotonic clock, whatever the wall clock does).
    int64_t wall_due = 0;
    bool instant = false;
  };
  struct Approval;
  struct Poller;
  class JobOutbox;
  class EventOutbox;
  // A job queue: an organization's host.
  using QueueKey = std::pair<int64_t, std::string>;

  // ---- the kill switch (engine_kill_switch.cpp)
  // Whether `in` was started by automation rather than by a person: its trigger is not `manual`
  // (nor `retry`, which a person asks for); a child workflow's instance counts as its parent's.
  bool automatic(const Instance& in) const;
  // Whether the effect `in` now asks for is to be withheld: its organization's automation is
  // paused, `in` is automatic, and its machine `m` is not being aborted (what the finally blocks
  // of a cancelled or timed-out instance ask for is cleanup, never withheld).
  bool held_by_kill_switch(const Instance& in, const vm::Machine& m) const;
  // Records `w` (and its `row`) as asked for but not begun, and the instance as held.
  void withhold(Instance& in, Wait& w, WaitRow& row, const std::string& what, Changes& ch);
  // Begins the withheld effects of `in` and lets it go on.
  void release_withheld(Instance& in, Changes& ch);
  bool recover_automation(std::string& error);
  // ---- starting (engine_start.cpp)
  int64_t launch(StartRequest request, Changes& ch);
  void begin(Instance& in, std::vector<vm::Value> args, const std::string& how, Changes& ch);
  void start_deferred(Instance& in);
  // ---- driving (engine_drive.cpp)
  // Runs the instance until every fiber waits, it ends, or its fuel is spent: from its stored
  // continuation, or with the machine a transition has already set going.
  void advance(Instance& in, Changes& ch);
  void advance(Transition& t);
  void go_on_later(Instance& in);
  static void on_runnable(uv_idle_t* handle);
  bool deliver_ready(Instance& in, vm::Machine& m, Changes& ch);
  void handle_effect(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch, bool& resumed);
  // Begins a waiting effect: its timeline row, its step's timeout, and what its file arms; `row`
  // joins the unit.
  void begin_effect(Instance& in, Wait& w, const vm::Machine& m, const vm::EffectRequest& r, WaitRow row, Changes& ch);
  void settle_wait(Instance& in, Wait& w, bool is_error, vm::Value outcome, Changes& ch);
  // `why` ("cancelled" or "expired") is what becomes of its approval; `reason` is the error its
  // jobs end with ("cancelled: ..."), saying why they were stopped.
  void drop_wait(Instance& in, Wait& w, const std::string& why, const std::string& reason, Changes& ch);
  void finish_instance(Instance& in, vm::Machine& m, Changes& ch);
  void abort_instance(Instance& in, stdlib::ErrorKind kind, const std::string& message, Changes& ch);
  // Derives the status and pause reason from the waits; true (with an event recorded) when they
  // changed.
  bool update_status(Instance& in, Changes& ch);
  Instance* find_live(int64_t org, int64_t id);
  // ---- the effects, one file each: arming, answering, recovery
  void arm_run(Instance& in, Wait& w, Changes& ch);  // engine_run.cpp
  void dispatch_round(Instance& in, Wait& w, const std::vector<size_t>& hosts, int64_t delay_ms, Changes& ch);
  void progress_run(Instance& in, Wait& w, Changes& ch);
  bool recover_run(Instance& in, Wait& w, Changes& ch, std::string& error);
  bool waits_to_retry(const Wait& w, int64_t monotonic_now) const;
  void retry_due(int64_t instance, const QueueKey& queue);
  void arm_approval(Instance& in, Wait& w, Changes& ch);  // engine_approvals.cpp
  void settle_approval(Instance& in, Wait& w, const effects::ApprovalState& state, Changes& ch);
  void expire_approval(int64_t approval_id);
  bool recover_approval(Instance& in, Wait& w, Changes& ch, std::string& error);
  void arm_sleep(Instance& in, Wait& w, WaitRow& row, const vm::EffectRequest& r);  // engine_sleep.cpp
  void wake(Instance& in, uint64_t seq);
  void recover_sleep(Instance& in, Wait& w, Changes& ch);
  bool arm_wait_event(Instance& in, Wait& w, WaitRow& row, Changes& ch, std::string& error);  // engine_wait_event.cpp
  void event_timed_out(Instance& in, uint64_t seq);
  bool recover_wait_event(Instance& in, Wait& w, Changes& ch, std::string& error);
  void arm_child(Instance& in, Wait& w, const vm::EffectRequest& r, Changes& ch);  // engine_child.cpp
  void start_children(Changes& ch);
  void deliver_to_parent(Instance& child, Changes& ch);
  bool recover_child(Instance& in, Wait& w, std::string& error);
  // A step's timeout over the effects inside it (engine_step_timeout.cpp): armed as an effect
  // begins, firing as its `timeout` answer with what it started withdrawn; recovery re-arms it
  // from the continuation.
  bool begin_step_timeout(Instance& in, Wait& w, const vm::Machine& m, const vm::EffectRequest& r, Changes& ch);
  void arm_step_timeout(Instance& in, const Wait& w);
  void step_timed_out(Instance& in, uint64_t seq);
  void time_out_wait(Instance& in, Wait& w, Changes& ch);
  void recover_step_timeouts(Instance& in, Changes& ch);
  void notify(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch);  // engine_notify.cpp
  // engine_checkout.cpp: true when answered at once; false when the identity needs an approval,
  // `approval` then the arguments of the request the checkout waits on.
  bool checkout(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch, vm::Value& approval);
  void checkin(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch);
  // Opens the session of checkout `seq` (its lease armed when `ttl_ms` > 0) and returns its credential.
  vm::Value open_session(Instance& in, uint64_t seq, const vm::Value& args, Changes& ch);
  // The approval of a checkout decided: approved, its session opens; else it raises `permission`.
  void settle_checkout(Instance& in, Wait& w, const effects::ApprovalState& state, Changes& ch);
  void end_lease(int64_t org, int64_t instance, const std::string& session);
  bool recover_leases(std::string& error);
  // ---- recording (engine_record.cpp)
  void event(Changes& ch, int64_t org, std::optional<int64_t> instance, const std::string& type, nlohmann::json data);
  void event(Instance& in, Changes& ch, const std::string& type, nlohmann::json data);
  // An event heard by the listeners now and never stored (id 0): nothing it tells is committed.
  void announce(int64_t org, std::optional<int64_t> instance, const std::string& type, nlohmann::json data);
  void hear(const EventRow& e);
  void log(Instance& in, Changes& ch, const std::string& kind, const std::string& message);
  int64_t open_step(Instance& in, Changes& ch, const std::string& kind, const std::string& name, std::optional<int64_t> seq);
  void close_step(Instance& in, Changes& ch, int64_t idx, const std::string& status);
  // A retry goes on inside the steps its checkpoint was taken in: each is opened again, as a
  // timeline row of the new attempt.
  void reopen_checkpoint_steps(Instance& in, Changes& ch);
  // ---- committing (engine.cpp)
  void commit(Changes ch, Done done);
  void release(const Changes& ch);
  // A job's start: its row and event ride with the next unit committed (the job's report,
  // usually), or go alone once kRideFlushMs has passed without one.
  void commit_with_next(Changes ch);
  static void on_ride_flush(uv_timer_t* handle);
  // ---- a unit that did not commit (engine_rollback.cpp)
  // What a unit's changes belong to: a live instance ('i') or an ad-hoc job ('j').
  using Owner = std::pair<char, int64_t>;
  using Doomed = std::shared_ptr<std::atomic<bool>>;
  using Owners = std::map<Owner, int64_t>;  // → its organization, when the changes say (else 0)
  static Owners owners_of(const Changes& ch);
  // The flag every unit of `owner` carries until one of them fails to commit; from then on the
  // units built on it fail too, until the owner has been reloaded from the store.
  Doomed lineage(const Owner& owner);
  // After a unit failed: memory goes back to what the store holds for each owner it touched.
  void roll_back(const Owners& owners, const std::vector<Doomed>& flags);
  void reload_instance(int64_t org, int64_t id);
  void reload_job(int64_t id);
  void drop_instance(int64_t id);
  void go_on_after_reload(int64_t id);
  // ---- jobs and agents (engine_jobs.cpp)
  void enqueue(const JobRow& job);
  void unqueue(const JobRow& job);
  void feed_pollers(const QueueKey& queue);
  struct HandOut;
  void hand_out(LiveJob& job, const Poller& poller, Changes& ch, HandOut& out);
  // Jobs a unit creates go straight to a poll waiting on their queue, in the same unit: the
  // agent hears of them one commit after the step that made them.
  std::vector<HandOut> claim_for_waiting_polls(Changes& ch);
  void answer_hand_outs(std::vector<HandOut>& outs, bool committed);
  void record_job_end(LiveJob& job, const JobReportIn& report, Changes& ch);
  // Asks the agent running `job` to stop it; `reason` is the error it will end with.
  void request_job_stop(LiveJob& job, const std::string& reason, Changes& ch);
  void sweep_jobs();
  void requeue_unstarted(const std::vector<int64_t>& ids);
  void end_jobs(const std::vector<std::pair<int64_t, JobReportIn>>& ends);
  static void on_sweep(uv_timer_t* handle);
  // ---- clocks and timers (engine_timers.cpp)
  int64_t wall_now() { return clock_->wall_ms(); }
  int64_t monotonic_now() { return clock_->monotonic_ms(); }
  // The monotonic time at which a wall-clock deadline falls, reckoned from now (once: a later
  // step of the wall clock does not move it).
  int64_t monotonic_at(int64_t wall_due) { return monotonic_now() + (wall_due - wall_now()); }
  // Arms `t` for the end of a duration whose deadline, as stored, is `wall_due`.
  void arm(int64_t wall_due, Timer t);
  // Arms `t` for the wall-clock instant `wall_due`.
  void arm_instant(int64_t wall_due, Timer t);
  // Notices a step of the wall clock since the last look, and re-keys the timers that wait for
  // an instant.
  void notice_clock_step();
  void reschedule_timer();
  void fire_timers();
  void fire(const Timer& t);
  static void on_timer(uv_timer_t* handle);
  // ---- recovery (engine_recover.cpp)
  // The requests (by instance and effect) and responses of a chunk's waits, read set-wise.
  struct RecoveredApprovals {
    std::map<std::pair<int64_t, uint64_t>, ApprovalRow> requests;
    std::map<int64_t, std::vector<ResponseRow>> responses;
  };
  static void on_recovery_turn(uv_idle_t* handle);
  void recover_next_chunk();
  void end_recovery(bool ok, const std::string& error);
  bool recover_instances(std::string& error, bool& more);
  bool recover_chunk(std::vector<store::RecoveredInstance>& chunk, std::string& error);
  bool restore_instance(store::RecoveredInstance& stored, Changes& ch, Instance*& in, std::string& error);
  bool ready_to_go_on(const Instance& in) const;
  std::unique_ptr<LiveJob> revive_job(JobRow row);
  // An instance's program and workflow, `program` null when its definition version is gone.
  void load_program(Instance& in);
  // Makes a stored instance live again (recovery, retry): its program and workflow (`program`
  // null when its definition version is gone) and where its timeline and log go on. False with
  // `error` when the store cannot say.
  bool load_stored(Instance& in, std::string& error);
  bool recover_jobs(std::string& error);
  bool rebuild_wait(Instance& in, Wait& w, Changes& ch, std::string& error);

  uv_loop_t* loop_;
  store::Writer& writer_;
  store::Database& reader_;
  ProgramLoader programs_;
  IdentityLookup identities_;
  ServiceHost binding_host_;

  std::map<int64_t, std::unique_ptr<Instance>> instances_;  // the non-terminal ones
  std::map<int64_t, store::AutomationSwitchRow> automation_switches_;  // each flipped switch, as stored: paused or not
  int64_t stale_queued_ms_ = 30 * 60 * 1000;                // SPEC §4.2: `wf serve --stale-queued-after`
  std::map<int64_t, std::unique_ptr<LiveJob>> jobs_;        // the non-terminal ones
  std::map<int64_t, int64_t> heartbeats_;                   // agent id → when its last heartbeat came (monotonic)
  std::map<QueueKey, std::set<std::tuple<int64_t, int64_t, int64_t>>> queues_;  // → (-priority, scheduled_at, id)
  std::map<int64_t, std::unique_ptr<Approval>> approvals_;  // the pending ones
  std::map<QueueKey, std::vector<uint64_t>> pollers_by_queue_;
  // Agent → when (monotonic) its heartbeat last said its host had restarted: what was handed to it
  // before then may have been lost in the restart.
  std::map<int64_t, int64_t> host_restarts_;
  Changes riding_;  // job starts waiting for the next unit (commit_with_next)
  std::map<uint64_t, std::unique_ptr<Poller>> pollers_;
  std::multimap<int64_t, Timer> timers_;  // by monotonic due time
  LoopClock loop_clock_{loop_};
  Clock* clock_ = &loop_clock_;
  int64_t clock_offset_ = 0;  // wall minus monotonic, at the last look
  size_t instants_armed_ = 0;  // timers_ entries that wait for an instant
  std::map<Owner, Doomed> lineages_;
  bool submitting_ = false;  // while commit hands a unit to the writer
  // What reloading an instance settled (an overdue sleep, say), committed with its next step a
  // moment later rather than at once, so a store that keeps failing is not retried in a loop.
  std::map<int64_t, Changes> reloaded_;
  std::map<uint64_t, Listener> listeners_;
  std::vector<PostCommit*> outboxes_;  // in the order they hear a committed unit
  std::unique_ptr<JobOutbox> job_outbox_;
  std::unique_ptr<EventOutbox> event_outbox_;

  // The engine's handles; each is closed by close() and its close counted, so the engine's owner
  // knows when the loop holds none of them.
  uv_timer_t timer_{};
  uv_timer_t sweeper_{};
  uv_timer_t ride_flush_{};  // commits what rides (commit_with_next) when no unit comes
  uv_idle_t runnable_idle_{};
  uv_idle_t recovery_idle_{};  // active while instances are being recovered
  bool recovering_ = false;
  int64_t recovered_through_ = 0;  // the last instance id recovery has read
  Done on_recovered_;
  const RecoveredApprovals* recovered_approvals_ = nullptr;  // the chunk's, while it is recovered
  std::vector<int64_t> runnable_;  // instances out of fuel, to go on in the next loop turn
  // Child workflows asked for by a transition: started once its machine has stopped (a machine
  // never runs inside another's effect handling), in the same unit.
  std::vector<StartRequest> pending_children_;

  int64_t next_instance_id_ = 1, next_job_id_ = 1, next_approval_id_ = 1, next_event_id_ = 1, next_notification_id_ = 1;
  uint64_t next_handle_ = 1;
  uint64_t transitions_ = 0;
};

}  // namespace wf::engine

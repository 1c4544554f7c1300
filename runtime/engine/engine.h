// The engine of `wf serve` (SPEC §4.1–§4.3): drives every instance's VM on the loop thread,
// turns the effects it asks for into durable records (jobs for agents, approval requests,
// timers), and resumes it when they are answered. Every transition of an instance is one unit of
// the store's writer (changes.h); its consequences — jobs handed to agents, timers armed, events
// published, the HTTP answer — take effect only after that unit has committed, so a crash at any
// moment loses nothing and repeats no job.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/engine/changes.h"
#include "runtime/store/writer.h"
#include "vm/machine.h"

namespace wf::effects {
class ApprovalState;
}

namespace wf::engine {

struct Instance;
struct Wait;

// Called after the unit carrying an operation has committed (ok), or failed to (the error).
using Done = std::function<void(bool ok, const std::string& error)>;

// The compiled module of a definition version; null when there is none.
using ProgramLoader = std::function<std::shared_ptr<const vm::Program>(int64_t definition_id, int64_t version)>;

struct StartRequest {
  int64_t org_id = 1, definition_id = 0, version = 0;
  std::shared_ptr<const vm::Program> program;
  uint32_t workflow_index = 0;
  std::vector<vm::Value> args;  // in parameter order
  std::string params_json = "{}", targets_json = "{}";
  std::optional<int64_t> scheduled_at;  // a deferred start
  // A child workflow's instance: the parent and the effect it waits on.
  std::optional<int64_t> parent_id, parent_fiber, parent_seq;
};

enum class Outcome { Ok, NotFound, Conflict, BadRequest };

struct OpResult {
  Outcome outcome = Outcome::Ok;
  std::string message;
};

struct JobReportIn {
  std::string status;  // the executor's outcome name
  int64_t exit_code = -1, duration_ms = 0;
  std::string stdout_text, stderr_text, error;
  bool stdout_truncated = false, stderr_truncated = false;
};

// What the engine may know of a vault identity: never its secret.
struct IdentityInfo {
  std::string username, domain, credential_type;
  bool requires_approval = false, rotate_after_use = false;
};
using IdentityLookup = std::function<std::optional<IdentityInfo>(int64_t org_id, const std::string& name)>;

// Where an instance stands; empty strings once it has ended (then the store has its row).
struct InstanceStatus {
  std::string status, pause_reason;
};

class Engine : public vm::Host {
 public:
  Engine(uv_loop_t* loop, store::Writer& writer, store::Database& reader, ProgramLoader programs);
  ~Engine() override;

  // Loads what was in flight from the store (non-terminal instances, their waits, jobs,
  // approvals) and re-arms timers. Before the loop runs.
  bool recover(std::string& error);
  // Stops timers so the loop can end.
  void close();
  // Where `checkout` finds identities (the service's vault); without it every checkout fails.
  void set_identity_lookup(IdentityLookup lookup) { identities_ = std::move(lookup); }

  // ---- instances
  int64_t start(StartRequest request, Done done);
  OpResult cancel(int64_t id, Done done);
  OpResult pause(int64_t id, Done done);
  OpResult resume(int64_t id, Done done);
  OpResult retry(int64_t id, Done done);
  OpResult signal(int64_t id, const std::string& event, const std::string& payload_json, Done done);

  // ---- approvals: `settle` decides whatever the quorum (an administrator's own answer).
  OpResult respond(int64_t approval_id, const std::string& who, bool approve, const std::string& note,
                   const std::string& via, bool settle, Done done);

  // ---- jobs and agents
  // Hands up to `max` ready jobs of `host` to an agent: now, or when one becomes ready within
  // `wait_ms`. `answer` gets the job specs (a JSON array) after their dispatch has committed.
  // Returns a handle for forget_poll (the agent went away).
  uint64_t poll(const std::string& host, int64_t agent_id, size_t max, int64_t wait_ms,
                std::function<void(const nlohmann::json& jobs)> answer);
  void forget_poll(uint64_t handle);
  OpResult job_started(int64_t job_id, int64_t agent_id, Done done);
  OpResult job_output(int64_t job_id, int64_t agent_id, const std::string& stream, const std::string& data);
  OpResult job_completed(int64_t job_id, int64_t agent_id, const JobReportIn& report, Done done);
  // An ad-hoc job (SPEC §4.2), `spec_json` in the agent's form without id.
  int64_t create_job(const std::string& host, const nlohmann::json& spec, const std::string& description,
                     int64_t priority, Done done);
  OpResult cancel_job(int64_t job_id, Done done);
  // The live output of a running job, or null.
  const std::string* live_output(int64_t job_id, bool stderr_stream) const;

  // ---- events (SPEC §4.8): called after the unit that persisted them has committed, in id order.
  using Listener = std::function<void(const EventRow&)>;
  uint64_t subscribe(Listener listener);
  void unsubscribe(uint64_t handle);

  // ---- figures
  size_t live_instances() const { return instances_.size(); }
  InstanceStatus status_of(int64_t id) const;
  uint64_t transitions() const { return transitions_; }

  // vm::Host
  int64_t now_ms() override;
  vm::Value localhost() override;
  vm::Value env(std::string_view name) override;
  void on_log(uint32_t fiber, const std::string& message) override;
  void on_step(uint32_t fiber, const vm::Value& info, vm::StepEvent event) override;
  void on_condition(uint32_t fiber, const std::string& condition, bool value) override;

 private:
  struct Timer {
    enum class Kind { Sleep, EventTimeout, ApprovalTimeout, InstanceTimeout, DeferredStart, JobDue, PollDeadline } kind;
    int64_t id = 0;  // instance, approval
    uint64_t seq = 0;
    std::string host;
  };
  struct LiveJob;
  struct Approval;
  struct Poller;

  // Driving
  int64_t launch(StartRequest request, Changes& ch);
  void advance(Instance& in, Changes& ch, std::unique_ptr<vm::Machine> fresh = nullptr);
  bool deliver_ready(Instance& in, vm::Machine& m, Changes& ch);
  void handle_effect(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch, bool& resumed);
  void begin_run(Instance& in, Wait& w, Changes& ch);
  void progress_run(Instance& in, Wait& w, Changes& ch);
  void dispatch_round(Instance& in, Wait& w, const std::vector<size_t>& hosts, int64_t delay_ms, Changes& ch);
  void begin_approval(Instance& in, Wait& w, Changes& ch);
  void settle_wait(Instance& in, Wait& w, bool is_error, vm::Value outcome, Changes& ch);
  void settle_approval(Instance& in, Wait& w, const effects::ApprovalState& state, Changes& ch);
  void drop_wait(Instance& in, Wait& w, const std::string& why, Changes& ch);
  void finish_instance(Instance& in, vm::Machine& m, Changes& ch);
  void abort_instance(Instance& in, const std::string& kind, const std::string& message, Changes& ch);
  void update_status(Instance& in, Changes& ch);
  void deliver_to_parent(Instance& child, Changes& ch);
  // Recording
  void event(Changes& ch, std::optional<int64_t> instance, const std::string& type, nlohmann::json data);
  void log(Instance& in, Changes& ch, const std::string& kind, const std::string& message);
  int64_t open_step(Instance& in, Changes& ch, const std::string& kind, const std::string& name, std::optional<int64_t> seq);
  void close_step(Instance& in, Changes& ch, int64_t idx, const std::string& status);
  // Committing
  struct After;
  void commit(Changes ch, Done done);
  void release(const Changes& ch);
  // Jobs
  void enqueue(const JobRow& job);
  void feed_pollers(const std::string& host);
  void record_job_end(LiveJob& job, const JobReportIn& report, Changes& ch);
  void sweep_jobs();
  // Timers
  void arm(int64_t due, Timer t);
  void reschedule_timer();
  void fire_timers();
  void fire(const Timer& t);
  // Recovery
  bool recover_instances(std::string& error);
  bool recover_jobs(std::string& error);
  void rebuild_wait(Instance& in, Wait& w, Changes& ch);

  uv_loop_t* loop_;
  store::Writer& writer_;
  store::Database& reader_;
  ProgramLoader programs_;
  IdentityLookup identities_;

  std::map<int64_t, std::unique_ptr<Instance>> instances_;  // the non-terminal ones
  std::map<int64_t, std::unique_ptr<LiveJob>> jobs_;        // the non-terminal ones
  std::map<std::string, std::set<std::tuple<int64_t, int64_t, int64_t>>> queues_;  // host → (-priority, scheduled_at, id)
  std::map<int64_t, std::unique_ptr<Approval>> approvals_;  // the pending ones
  std::map<std::string, std::vector<uint64_t>> pollers_by_host_;
  std::map<uint64_t, std::unique_ptr<Poller>> pollers_;
  std::multimap<int64_t, Timer> timers_;
  std::map<uint64_t, Listener> listeners_;

  uv_timer_t timer_{};
  uv_timer_t sweeper_{};
  uv_idle_t runnable_idle_{};
  std::vector<int64_t> runnable_;  // instances out of fuel, to go on in the next loop turn
  std::vector<StartRequest> pending_children_;  // child workflows asked for while a machine ran

  int64_t next_instance_id_ = 1, next_job_id_ = 1, next_approval_id_ = 1, next_event_id_ = 1;
  uint64_t next_handle_ = 1;
  uint64_t transitions_ = 0;

  // While a machine runs: whose it is, and where its records go.
  Instance* current_ = nullptr;
  vm::Machine* current_machine_ = nullptr;
  Changes* current_changes_ = nullptr;
};

}  // namespace wf::engine

// Starting instances (SPEC §4.1): the one way an instance comes to be — an API run, a deferred
// start, a child workflow, later a schedule or a hook — and the one way it begins to run, which
// arms its @timeout whatever started it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "effects/workflow_policy.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/transition.h"
#include "vm/continuation.h"

namespace wf::engine {

int64_t Engine::start(StartRequest req, Done done) { return start(std::move(req), nullptr, std::move(done)); }

int64_t Engine::start(StartRequest req, Annex annex, Done done) {
  Changes ch;
  const int64_t id = launch(std::move(req), ch);
  if (annex) annex(id, ch);
  commit(std::move(ch), std::move(done));
  return id;
}

// Makes the instance's row; a deferred start waits as `queued` with its arguments where the
// continuation will be, any other begins at once.
int64_t Engine::launch(StartRequest req, Changes& ch) {
  auto owned = std::make_unique<Instance>();
  Instance& in = *owned;
  in.program = req.program;
  in.workflow_index = req.workflow_index;
  const bytecode::Workflow& w = req.program->module.workflows[req.workflow_index];
  InstanceRow& r = in.row;
  r.id = next_instance_id_++;
  r.org_id = req.org_id;
  r.definition_id = req.definition_id;
  r.version = req.version;
  r.workflow = w.name;
  r.module_hash = req.program->module_hash;
  r.params = req.params_json;
  r.targets = req.targets_json;
  r.trigger = req.trigger;
  r.created_at = wall_now();
  r.parent_id = req.parent_id;
  r.parent_fiber = req.parent_fiber;
  r.parent_seq = req.parent_seq;
  const int64_t id = r.id;
  instances_[id] = std::move(owned);
  event(in, ch, "instance.created",
        {{"workflow", r.workflow}, {"definition_id", r.definition_id}, {"version", r.version}, {"trigger", name(r.trigger)}});
  if (req.scheduled_at && *req.scheduled_at > r.created_at) {
    r.status = InstanceStatus::Queued;
    r.scheduled_at = req.scheduled_at;
    r.continuation = share(vm::encode_values(*in.program, req.args));
    ch.instances.push_back(r);
    event(in, ch, "instance.status", {{"status", "queued"}, {"scheduled_at", *r.scheduled_at}});
    arm_instant(*r.scheduled_at, Timer{Timer::Kind::DeferredStart, id, 0, 0, {}});
    return id;
  }
  begin(in, std::move(req.args), "started", ch);
  return id;
}

// The instance starts running: its @timeout is armed from now, its machine starts the workflow
// with `args`, and it runs until its first wait.
void Engine::begin(Instance& in, std::vector<vm::Value> args, const std::string& how, Changes& ch) {
  InstanceRow& r = in.row;
  const bytecode::Workflow& w = in.program->module.workflows[in.workflow_index];
  r.status = InstanceStatus::Running;
  r.started_at = wall_now();
  if (const int64_t t = effects::workflow_policy(w).timeout_ms; t > 0) {
    r.timeout_at = *r.started_at + t;
    arm(*r.timeout_at, Timer{Timer::Kind::InstanceTimeout, r.id, 0, 0, {}});
  }
  event(in, ch, "instance.status", {{"status", "running"}});
  log(in, ch, "instance", fmt::format("workflow {} {}", r.workflow, how));
  Transition t(*this, in, ch);
  if (!t.machine().start(w.function, std::move(args))) {
    finish_instance(in, t.machine(), ch);
    return;
  }
  // The first checkpoint is the start itself: retrying an instance that failed before any step
  // starts it again (SPEC §4.1).
  r.checkpoint = share(vm::snapshot(t.machine()));
  advance(t);
}

// A deferred start is due: the arguments kept in its row start it, as any other start.
void Engine::start_deferred(Instance& in) {
  if (in.row.status != InstanceStatus::Queued) return;
  std::vector<vm::Value> args;
  std::string error;
  Changes ch;
  if (!vm::decode_values(*in.program, view(in.row.continuation), args, error)) {
    in.row.status = InstanceStatus::Failed;
    in.row.ended_at = effects::wall_clock_ms();
    in.row.error_message = "the deferred start's arguments could not be read: " + error;
    log(in, ch, "error", in.row.error_message);
    event(in, ch, "instance.status", {{"status", "failed"}, {"error_message", in.row.error_message}});
    ch.instances.push_back(in.row);
    instances_.erase(in.row.id);
  } else {
    in.row.continuation.reset();
    begin(in, std::move(args), "started (deferred)", ch);
  }
  commit(std::move(ch), nullptr);
}

}  // namespace wf::engine

// Upgrading a waiting instance to a newer version of its definition (SPEC §4.11): the checks the
// engine makes of the live instance (no job running, waiting inside one top-level step), the rule
// of vm/upgrade.h over the two modules and the step's checkpoint, and the move itself — one
// transition that withdraws the old step's waits and starts the step again in the new code.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/live.h"
#include "runtime/engine/transition.h"
#include "runtime/store/instances.h"
#include "vm/render.h"
#include "vm/upgrade.h"

namespace wf::engine {

namespace {

// Why the instance's waits keep it from moving: a job that may still change the world, or a child
// instance that still runs for it.
std::string busy_wait(const Instance& in, const std::map<int64_t, std::unique_ptr<Engine::LiveJob>>& jobs) {
  for (const auto& [seq, w] : in.waits) {
    if (w.kind == bytecode::EffectKind::Run) {
      for (const auto& [host, job_id] : w.round)
        if (jobs.count(job_id)) return fmt::format("job {} still running", job_id);
      if (!w.round.empty()) return fmt::format("job {} has ended but the workflow has not taken its result yet", w.round.begin()->second);
      if (!w.withheld) return "a job is about to be queued";
    }
    if (w.kind == bytecode::EffectKind::Child) return fmt::format("child instance {} still running", w.child_id);
  }
  return {};
}

// The name in a step's info record {name, timeout}, as the continuation holds it.
std::string step_name(const vm::ContinuationData& c, const vm::StepData& s) {
  if (s.info >= c.values.size()) return {};
  const vm::ValueData& info = c.values[s.info];
  if (info.kind != vm::ValueKind::Record || info.shape >= c.shapes.size()) return {};
  const auto& fields = c.shapes[info.shape];
  for (uint32_t k = 0; k < info.children.count && k < fields.size(); ++k) {
    const uint32_t at = info.children.first + k;
    if (fields[k] == "name" && at < c.values.size() && c.values[at].kind == vm::ValueKind::Str) return std::string(c.text_of(c.values[at]));
  }
  return {};
}

// The one top-level step the instance waits inside, from its continuation (which, unlike the
// engine's step stacks, a restart does not lose), or why there is none.
std::string waiting_step(const Instance& in, const vm::ContinuationData& now, std::string& step) {
  std::vector<std::string> main, others;
  for (size_t f = 0; f < now.fibers.size(); ++f)
    for (const vm::StepData& s : now.fibers[f].steps) (f == 0 ? main : others).push_back(step_name(now, s));
  if (main.empty() && others.empty()) return fmt::format("instance {} waits outside any step", in.row.id);
  if (main.size() != 1 || !others.empty()) {
    const std::string& innermost = others.empty() ? main.back() : others.back();
    return fmt::format("step \"{}\" is not a top-level step of the workflow", innermost);
  }
  step = main.front();
  return {};
}

}  // namespace

std::vector<int64_t> Engine::live_instances_of(int64_t org, int64_t definition_id) const {
  std::vector<int64_t> ids;
  for (const auto& [id, in] : instances_)
    if (in->row.org_id == org && in->row.definition_id == definition_id) ids.push_back(id);
  return ids;
}

OpResult Engine::upgrade(int64_t org, int64_t id, int64_t version, bool dry_run, UpgradeVerdict& v, Done done) {
  v.instance_id = id;
  v.to_version = version;
  auto refuse = [&](std::string why, Outcome outcome = Outcome::Conflict) {
    v.refusal = why;
    return OpResult{outcome, std::move(why)};
  };
  Instance* live = find_live(org, id);
  if (!live) {
    auto found = store::instances::find(reader_, org, id);
    if (!found.ok()) return refuse("the store could not be read: " + found.error(), Outcome::Unavailable);
    if (!*found) return refuse(fmt::format("no instance {}", id), Outcome::NotFound);
    v.from_version = (*found)->version;
    return refuse(fmt::format("instance {} is {}: only a paused or waiting instance can be upgraded", id, name((*found)->status)));
  }
  Instance& in = *live;
  v.from_version = in.row.version;
  if (version <= in.row.version)
    return refuse(fmt::format("instance {} runs version {}: it can only move to a newer version", id, in.row.version));
  std::shared_ptr<const vm::Program> program = programs_(in.row.definition_id, version);
  if (!program) return refuse(fmt::format("no version {} of this definition", version), Outcome::NotFound);
  if (!in.program) return refuse(fmt::format("version {} of this definition no longer exists", in.row.version));
  if (in.row.status == InstanceStatus::Queued) return refuse(fmt::format("instance {} has not started", id));
  // Waiting: every fiber waits for an effect; between transitions a live instance with no wait is
  // out of fuel and about to run on.
  if (in.waits.empty() || in.queued_to_run) return refuse(fmt::format("instance {} is running", id));
  if (std::string busy = busy_wait(in, jobs_); !busy.empty()) return refuse(busy);
  vm::ContinuationDecodeResult now = vm::decode_continuation(view(in.row.continuation));
  if (!now.ok()) return refuse("its continuation could not be read: " + now.error());
  // A cancel or a timeout unwinds it (its main fiber is doomed): only its finally blocks run on.
  if (!now.data().fibers.empty() && now.data().fibers[0].doomed)
    return refuse(fmt::format("instance {} is being stopped: only its finally blocks run", id));
  if (std::string why = waiting_step(in, now.data(), v.step); !why.empty()) return refuse(why);
  if (!in.row.checkpoint) return refuse(fmt::format("instance {} has no checkpoint of step \"{}\"", id, v.step));
  vm::ContinuationDecodeResult checkpoint = vm::decode_continuation(view(in.row.checkpoint));
  if (!checkpoint.ok()) return refuse("its checkpoint could not be read: " + checkpoint.error());
  const vm::UpgradeSides sides{in.program->module, in.row.version, program->module, version, in.row.workflow, v.step};
  if (std::string why = vm::upgrade_refusal(sides, checkpoint.data()); !why.empty()) return refuse(why);

  // The new code's machine, started on the workflow (its module constants evaluated), moved to the
  // step's entry with the checkpoint's values; tried on a machine of its own first, so that nothing
  // of the instance has changed when it does not restore.
  const auto workflow_index = bytecode::find_workflow(program->module, in.row.workflow);
  const bytecode::Workflow& workflow = program->module.workflows[*workflow_index];
  vm::Machine started(program, binding_host_);
  if (!started.start(workflow.function, std::vector<vm::Value>(workflow.params.size())))
    return refuse(fmt::format("version {}'s module constants failed: {}", version, vm::to_json_text(started.error())));
  vm::ContinuationData state = vm::capture(started);
  if (std::string why = vm::move_to_step(sides, checkpoint.data(), now.data().next_seq, state); !why.empty()) return refuse(why);
  {
    vm::Machine trial(program, binding_host_);
    if (const vm::RestoreResult r = vm::restore_data(trial, state); !r.ok())
      return refuse(fmt::format("step \"{}\" could not be started in version {}: {}", v.step, version, r.error));
  }
  if (dry_run) return {};

  Changes ch;
  const int64_t from = in.row.version;
  for (auto& [seq, w] : in.waits) {
    drop_wait(in, w, "cancelled", fmt::format("cancelled: the instance moved to version {}", version), ch);
    ch.waits_removed.emplace_back(in.row.id, seq);
  }
  in.waits.clear();
  for (const auto& [idx, step] : std::map<int64_t, StepRow>(in.open_steps)) close_step(in, ch, idx, "cancelled");
  in.step_stack.clear();
  in.row.version = version;
  in.row.module_hash = program->module_hash;
  in.row.checkpoint_steps = "{}";
  in.program = program;
  in.workflow_index = *workflow_index;
  log(in, ch, "instance",
      fmt::format("upgraded from version {} to version {}: step \"{}\" starts again in the new code", from, version, v.step));
  const int64_t mark = open_step(in, ch, "upgrade", fmt::format("version {} → {}", from, version), std::nullopt);
  close_step(in, ch, mark, "completed");
  event(in, ch, "instance.upgraded", {{"from_version", from}, {"to_version", version}, {"step", v.step}});
  Transition t(*this, in, ch);
  (void)vm::restore_data(t.machine(), state);  // restored once already, on the trial machine
  advance(t);
  commit(std::move(ch), std::move(done));
  return {};
}

}  // namespace wf::engine

// A child workflow (`run workflow`, SPEC §1.6): its own instance, started in the unit of the
// transition that asked for it, whose end answers the parent's effect; recovery finds the child
// the effect started.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/records.h"
#include "runtime/engine/instance.h"
#include "runtime/store/instances.h"
#include "vm/render.h"

namespace wf::engine {

using effects::field;
using effects::field_string;

void Engine::arm_child(Instance& in, Wait& w, const vm::EffectRequest& r, Changes& ch) {
  const std::string name = field_string(r.args, "workflow");
  const std::optional<uint32_t> index = bytecode::find_workflow(in.program->module, name);
  if (!index) {
    settle_wait(in, w, true, effects::make_error(stdlib::ErrorKind::NotFound, "no workflow " + name), ch);
    return;
  }
  StartRequest child;
  const vm::Value& rec = field(r.args, "args");
  if (rec.tag == vm::Tag::Record) child.args = vm::as_record(rec).fields;
  child.org_id = in.row.org_id;
  child.definition_id = in.row.definition_id;
  child.version = in.row.version;
  child.program = in.program;
  child.workflow_index = *index;
  child.trigger = Trigger::Child;
  child.parent_id = in.row.id;
  child.parent_fiber = r.fiber;
  child.parent_seq = static_cast<int64_t>(r.seq);
  // Started once this machine has stopped (commit()), in the same unit.
  pending_children_.push_back(std::move(child));
}

// Starts the child workflows the unit's transitions asked for, into the same unit.
void Engine::start_children(Changes& ch) {
  while (!pending_children_.empty()) {
    std::vector<StartRequest> children;
    children.swap(pending_children_);
    for (StartRequest& c : children) {
      const int64_t parent = *c.parent_id;
      const uint64_t seq = static_cast<uint64_t>(*c.parent_seq);
      const int64_t child = launch(std::move(c), ch);
      auto p = instances_.find(parent);
      if (p == instances_.end()) continue;
      auto w = p->second->waits.find(seq);
      if (w != p->second->waits.end() && instances_.count(child)) w->second.child_id = child;
    }
  }
}

void Engine::deliver_to_parent(Instance& child, Changes& ch) {
  if (!child.row.parent_id || child.detached) return;
  auto it = instances_.find(*child.row.parent_id);
  if (it == instances_.end()) return;
  Instance& parent = *it->second;
  auto w = parent.waits.find(static_cast<uint64_t>(*child.row.parent_seq));
  if (w == parent.waits.end()) return;
  if (child.row.status == InstanceStatus::Completed) {
    auto j = nlohmann::ordered_json::parse(child.row.result, nullptr, false);
    settle_wait(parent, w->second, false, j.is_discarded() ? vm::Value() : vm::from_json(j), ch);
  } else {
    settle_wait(parent, w->second, true,
                effects::make_error(child.row.status == InstanceStatus::Cancelled ? stdlib::ErrorKind::Cancelled
                                    : child.row.status == InstanceStatus::Timeout ? stdlib::ErrorKind::Timeout
                                                                                   : stdlib::ErrorKind::Failed,
                                    fmt::format("workflow {} (instance {}) {}: {}", child.row.workflow, child.row.id,
                                                name(child.row.status), child.row.error_message)),
                ch);
  }
  if (!parent.row.operator_paused && !parent.queued_to_run) advance(parent, ch);
}

// A child that ended while its parent was not yet recovered delivers in deliver_to_parent; one
// that ended before the crash committed its delivery in the same unit.
bool Engine::recover_child(Instance& in, Wait& w, std::string& error) {
  auto child = store::instances::child_of(reader_, in.row.id, w.seq);
  if (!child.ok()) return error = child.error(), false;
  if (*child) w.child_id = **child;
  return true;
}

}  // namespace wf::engine

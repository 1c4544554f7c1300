// The kill switch (SPEC §4.6): an organization's automation paused and resumed, the effects of
// automatic instances withheld while it is paused and begun when it resumes, and the switch
// reloaded when the service starts.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/engine/instance.h"
#include "runtime/engine/transition.h"
#include "runtime/store/automation.h"
#include "vm/continuation.h"

namespace wf::engine {

namespace {

// A chain of child workflows deeper than this is not followed further (a guard; the language
// bounds recursion long before).
constexpr int kMaxAncestors = 256;

}  // namespace

// `manual` is a person's start and `retry` a person's request; a schedule, a webhook, an alert
// and a program through the API (`api`) are automation. A child workflow's instance is what its
// root is: the children of a scheduled run are stopped with it, those of a manual run go on.
bool Engine::automatic(const Instance& in) const {
  const Instance* at = &in;
  for (int depth = 0; at->row.trigger == Trigger::Child && at->row.parent_id && depth < kMaxAncestors; ++depth) {
    auto it = instances_.find(*at->row.parent_id);
    // A parent that has ended no longer waits for it; the child is then judged by nothing
    // automatic above it.
    if (it == instances_.end()) return false;
    at = it->second.get();
  }
  return at->row.trigger != Trigger::Manual && at->row.trigger != Trigger::Retry && at->row.trigger != Trigger::Child;
}

bool Engine::held_by_kill_switch(const Instance& in, const vm::Machine& m) const {
  return !m.aborted() && automation_paused(in.row.org_id) && automatic(in);
}

void Engine::withhold(Instance& in, Wait& w, WaitRow& row, const std::string& what, Changes& ch) {
  w.withheld = true;
  row.withheld = true;
  in.row.kill_switch_paused = true;
  log(in, ch, "instance", fmt::format("paused by the kill switch: {} begins when automation resumes", what));
  ch.waits_added.push_back(std::move(row));
}

void Engine::release_withheld(Instance& in, Changes& ch) {
  in.row.kill_switch_paused = false;
  Transition t(*this, in, ch);
  if (const vm::RestoreResult r = t.restore(view(in.row.continuation)); !r.ok()) {
    advance(in, ch);  // reports the broken continuation
    return;
  }
  for (auto& [seq, w] : in.waits) {
    if (!w.withheld) continue;
    w.withheld = false;
    const vm::EffectRequest r{w.kind, w.args, w.fiber, w.seq};
    log(in, ch, "instance", fmt::format("automation resumed: {} begins", describe_effect(r)));
    WaitRow row{in.row.id, r.seq, r.fiber, std::string(bytecode::effect_name(r.kind)), vm::encode_values(*in.program, {r.args}),
                wall_now(), std::nullopt};
    begin_effect(in, w, t.machine(), r, std::move(row), ch);
  }
  advance(t);
}

OpResult Engine::set_automation(int64_t org, bool paused, const std::string& by, const std::string& reason, Done done) {
  if (paused == automation_paused(org))
    return {Outcome::Conflict, paused ? "automation is already paused" : "automation is not paused"};
  std::optional<store::AutomationSwitchRow> before = automation_switch(org);
  const store::AutomationSwitchRow row{org, paused, by, wall_now(), reason};
  Changes ch;
  ch.automation.push_back(row);
  nlohmann::json data = {{"by", by}};
  if (!reason.empty()) data["reason"] = reason;
  event(ch, org, std::nullopt, paused ? "automation.paused" : "automation.resumed", std::move(data));
  automation_switches_[org] = row;
  if (!paused) {
    std::vector<Instance*> held;
    for (auto& [id, in] : instances_)
      if (in->row.org_id == org && in->row.kill_switch_paused) held.push_back(in.get());
    for (Instance* in : held) release_withheld(*in, ch);
  }
  // A unit that does not commit leaves the switch as the store has it (the instances it touched
  // are reloaded by the engine's roll-back).
  commit(std::move(ch), [this, org, before = std::move(before), done = std::move(done)](bool ok, const std::string& error) {
    if (!ok) {
      if (before) automation_switches_[org] = *before;
      else automation_switches_.erase(org);
    }
    if (done) done(ok, error);
  });
  return {};
}

std::optional<store::AutomationSwitchRow> Engine::automation_switch(int64_t org) const {
  auto it = automation_switches_.find(org);
  if (it == automation_switches_.end()) return std::nullopt;
  return it->second;
}

bool Engine::recover_automation(std::string& error) {
  auto switches = store::automation::switches(reader_);
  if (!switches.ok()) return error = "the kill switches could not be read: " + switches.error(), false;
  for (store::AutomationSwitchRow& row : *switches) automation_switches_[row.org_id] = std::move(row);
  return true;
}

}  // namespace wf::engine

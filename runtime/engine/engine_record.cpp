// What a transition records besides its rows' new state (see transition.h): events, log lines and
// the step timeline, and the VM's reports of log lines, steps and conditions while it runs.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/event_json.h"
#include "runtime/engine/instance.h"
#include "runtime/engine/transition.h"
#include "vm/render.h"

namespace wf::engine {

void Engine::event(Changes& ch, int64_t org, std::optional<int64_t> instance, const std::string& type, nlohmann::json data) {
  EventRow e;
  e.id = next_event_id_++;
  e.org_id = org;
  e.instance_id = instance;
  e.at = effects::wall_clock_ms();
  e.type = type;
  e.data = event_json(e.id, type, e.at, instance, data);
  ch.events.push_back(std::move(e));
}

void Engine::announce(int64_t org, std::optional<int64_t> instance, const std::string& type, nlohmann::json data) {
  EventRow e;
  e.org_id = org;
  e.instance_id = instance;
  e.at = effects::wall_clock_ms();
  e.type = type;
  e.data = event_json(std::nullopt, type, e.at, instance, data);
  hear(e);
}

void Engine::event(Instance& in, Changes& ch, const std::string& type, nlohmann::json data) {
  event(ch, in.row.org_id, in.row.id, type, std::move(data));
}

void Engine::log(Instance& in, Changes& ch, const std::string& kind, const std::string& message) {
  LogRow r{in.row.id, in.next_log_seq++, effects::wall_clock_ms(), kind, message, ""};
  ch.log.push_back(r);
  // The workflow's own `log` lines are events; the other lines tell of steps, jobs and approvals,
  // which have events of their own.
  if (kind == "log") event(in, ch, "log", {{"message", message}});
}

int64_t Engine::open_step(Instance& in, Changes& ch, const std::string& kind, const std::string& name, std::optional<int64_t> seq) {
  StepRow r;
  r.instance_id = in.row.id;
  r.idx = in.next_step++;
  r.kind = kind;
  r.name = name;
  r.effect_seq = seq;
  r.status = "running";
  r.started_at = effects::wall_clock_ms();
  r.attempt = in.row.attempt;
  in.open_steps[r.idx] = r;
  ch.steps.push_back(r);
  event(in, ch, "step.started", {{"index", r.idx}, {"kind", kind}, {"name", name}});
  return r.idx;
}

void Engine::close_step(Instance& in, Changes& ch, int64_t idx, const std::string& status) {
  auto it = in.open_steps.find(idx);
  if (it == in.open_steps.end()) return;
  StepRow r = it->second;
  in.open_steps.erase(it);
  r.status = status;
  r.ended_at = effects::wall_clock_ms();
  ch.steps.push_back(r);
  event(in, ch, status == "completed" ? "step.completed" : "step.failed",
        {{"index", r.idx}, {"kind", r.kind}, {"name", r.name}, {"status", status}, {"duration_ms", *r.ended_at - r.started_at}});
}

std::string open_step_names(const Instance& in) {
  nlohmann::json names = nlohmann::json::object();
  for (const auto& [fiber, stack] : in.step_stack) {
    nlohmann::json list = nlohmann::json::array();
    for (int64_t idx : stack)
      if (auto it = in.open_steps.find(idx); it != in.open_steps.end()) list.push_back(it->second.name);
    if (!list.empty()) names[std::to_string(fiber)] = std::move(list);
  }
  return names.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Engine::reopen_checkpoint_steps(Instance& in, Changes& ch) {
  auto names = nlohmann::json::parse(in.row.checkpoint_steps, nullptr, false);
  if (!names.is_object()) return;
  for (const auto& [fiber, list] : names.items()) {
    if (!list.is_array()) continue;
    auto& stack = in.step_stack[static_cast<uint32_t>(std::strtoul(fiber.c_str(), nullptr, 10))];
    for (const auto& name : list)
      if (name.is_string()) stack.push_back(open_step(in, ch, "step", name.get<std::string>(), std::nullopt));
  }
}

// ---- the transition as the VM's host -------------------------------------------------------------

Transition::Transition(Engine& engine, Instance& in, Changes& ch)
    : engine_(engine), in_(in), ch_(ch), machine_(std::make_unique<vm::Machine>(in.program, *this)) {}

Transition::~Transition() = default;

vm::RestoreResult Transition::restore(std::span<const uint8_t> continuation) { return vm::restore(*machine_, continuation); }

int64_t Transition::now_ms() { return engine_.wall_now(); }
void Transition::on_log(uint32_t, const std::string& message) { engine_.log(in_, ch_, "log", message); }

void Transition::on_condition(uint32_t, const std::string& condition, bool value) {
  LogRow r{in_.row.id, in_.next_log_seq++, effects::wall_clock_ms(), "condition", fmt::format("if {} → {}", condition, value),
           nlohmann::json({{"condition", condition}, {"value", value}}).dump()};
  ch_.log.push_back(std::move(r));
}

void Transition::on_step(uint32_t fiber, const vm::Value& info, vm::StepEvent e) {
  const std::string name = effects::field_string(info, "name");
  auto& stack = in_.step_stack[fiber];
  switch (e) {
    case vm::StepEvent::Enter:
      // A checkpoint (SPEC §3): a retry of a failed instance goes on from here.
      in_.row.checkpoint = share(vm::snapshot(*machine_));
      stack.push_back(engine_.open_step(in_, ch_, "step", name, std::nullopt));
      in_.row.checkpoint_steps = open_step_names(in_);
      engine_.log(in_, ch_, "step", fmt::format("step \"{}\" started", name));
      break;
    case vm::StepEvent::Leave:
    case vm::StepEvent::Fail:
      if (!stack.empty()) {
        engine_.close_step(in_, ch_, stack.back(), e == vm::StepEvent::Leave ? "completed" : "failed");
        stack.pop_back();
      }
      engine_.log(in_, ch_, "step", fmt::format("step \"{}\" {}", name, e == vm::StepEvent::Leave ? "completed" : "failed"));
      break;
  }
}

}  // namespace wf::engine

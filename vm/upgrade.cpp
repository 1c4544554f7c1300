// The upgrade rule and the new machine's state at a step's entry (see upgrade.h). Values move
// between the two continuations node by node: a continuation's values name their record shapes by
// their field names, not by the module, so they mean the same in the other version's program.
#include "vm/upgrade.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace wf::vm {

namespace {

const bytecode::Workflow* workflow_named(const bytecode::Module& m, std::string_view name) {
  const auto index = bytecode::find_workflow(m, name);
  return index ? &m.workflows[*index] : nullptr;
}

// The top-level step named `name`, or why there is none (or more than one).
const bytecode::TopStep* step_named(const bytecode::Workflow& w, std::string_view name, int64_t version, std::string& refusal) {
  const bytecode::TopStep* found = nullptr;
  for (const auto& s : w.steps) {
    if (s.name != name) continue;
    if (found) {
      refusal = fmt::format("step \"{}\" appears more than once in version {}", name, version);
      return nullptr;
    }
    found = &s;
  }
  if (!found) refusal = fmt::format("no step \"{}\" in version {}", name, version);
  return found;
}

const bytecode::StepVariable* variable_named(const bytecode::TopStep& s, std::string_view name) {
  for (const auto& v : s.variables)
    if (v.name == name) return &v;
  return nullptr;
}

// Where the checkpoint's first fiber keeps register `reg` of the workflow's frame, if it does.
std::optional<ValueRef> checkpoint_register(const ContinuationData& c, uint32_t reg) {
  const FiberData& f = c.fibers.front();
  const uint32_t at = f.frames.front().base + reg;
  if (at >= f.registers.count) return std::nullopt;
  return f.registers.first + at;
}

struct Resolved {
  const bytecode::Workflow* from_wf = nullptr;
  const bytecode::Workflow* to_wf = nullptr;
  const bytecode::TopStep* from_step = nullptr;
  const bytecode::TopStep* to_step = nullptr;
};

std::string resolve(const UpgradeSides& s, const ContinuationData& checkpoint, Resolved& r) {
  r.from_wf = workflow_named(s.from, s.workflow);
  r.to_wf = workflow_named(s.to, s.workflow);
  if (!r.from_wf) return fmt::format("no workflow {} in version {}", s.workflow, s.from_version);
  if (!r.to_wf) return fmt::format("no workflow {} in version {}", s.workflow, s.to_version);
  std::string refusal;
  r.from_step = step_named(*r.from_wf, s.step, s.from_version, refusal);
  if (!r.from_step) {
    if (refusal.find("no step") == 0)
      return fmt::format("step \"{}\" is not a top-level step of version {} with a literal name", s.step, s.from_version);
    return refusal;
  }
  r.to_step = step_named(*r.to_wf, s.step, s.to_version, refusal);
  if (!r.to_step) return refusal;
  // The checkpoint must be the one taken as the step was entered, in the workflow's own frame.
  const bool at_entry = !checkpoint.fibers.empty() && checkpoint.fibers.front().frames.size() == 1 &&
                        checkpoint.fibers.front().frames.front().function == r.from_wf->function &&
                        checkpoint.fibers.front().steps.size() == 1 &&
                        checkpoint.fibers.front().steps.front().enter_pc == r.from_step->open_pc;
  if (!at_entry) return fmt::format("the last checkpoint was not taken as step \"{}\" began", s.step);
  for (const auto& p : r.to_wf->params) {
    auto old = std::find_if(r.from_wf->params.begin(), r.from_wf->params.end(), [&](const auto& q) { return q.name == p.name; });
    if (old == r.from_wf->params.end())
      return fmt::format("parameter {} of version {} is not in version {}", p.name, s.to_version, s.from_version);
    if (old->type != p.type)
      return fmt::format("parameter {}: {} in version {}, {} in version {}", p.name, old->type, s.from_version, p.type, s.to_version);
    if (!checkpoint_register(checkpoint, static_cast<uint32_t>(old - r.from_wf->params.begin())))
      return fmt::format("parameter {} is not in the checkpoint", p.name);
  }
  for (const auto& v : r.to_step->variables) {
    const bytecode::StepVariable* old = variable_named(*r.from_step, v.name);
    if (!old)
      return fmt::format("variable {} (live at step \"{}\" in version {}) is not in version {}", v.name, s.step, s.to_version,
                         s.from_version);
    if (old->type != v.type)
      return fmt::format("variable {}: {} in version {}, {} in version {}", v.name, old->type, s.from_version, v.type, s.to_version);
    if (!checkpoint_register(checkpoint, old->reg)) return fmt::format("variable {} is not in the checkpoint", v.name);
  }
  return {};
}

// Copies the value tree at `from` in `src` into node `into` of `dst`.
void copy_value(const ContinuationData& src, ValueRef from, ContinuationData& dst, ValueRef into) {
  const ValueData node = src.values[from];
  if (node.kind == ValueKind::Str) {
    dst.set_text(into, src.text_of(node));
    return;
  }
  ValueData copy = node;
  switch (node.kind) {
    case ValueKind::Record:
    case ValueKind::Credential:
    case ValueKind::Approver:
    case ValueKind::Channel: {
      const auto& names = src.shapes[node.shape];
      auto it = std::find(dst.shapes.begin(), dst.shapes.end(), names);
      copy.shape = static_cast<uint32_t>(it - dst.shapes.begin());
      if (it == dst.shapes.end()) dst.shapes.push_back(names);
      break;
    }
    default: break;
  }
  if (node.children.count > 0) copy.children = dst.add_nodes(node.children.count);
  dst.values[into] = copy;
  for (uint32_t i = 0; i < node.children.count; ++i) copy_value(src, node.children.first + i, dst, copy.children.first + i);
}

}  // namespace

std::string upgrade_refusal(const UpgradeSides& sides, const ContinuationData& checkpoint) {
  Resolved r;
  return resolve(sides, checkpoint, r);
}

std::string move_to_step(const UpgradeSides& sides, const ContinuationData& checkpoint, uint64_t next_seq,
                         ContinuationData& fresh) {
  Resolved r;
  if (std::string refusal = resolve(sides, checkpoint, r); !refusal.empty()) return refusal;
  if (fresh.fibers.empty() || fresh.fibers.front().frames.size() != 1 ||
      fresh.fibers.front().frames.front().function != r.to_wf->function)
    return "the new version's machine did not start on the workflow";
  FiberData& fiber = fresh.fibers.front();
  fiber.frames.front().pc = r.to_step->entry;
  auto fill = [&](uint32_t to_reg, uint32_t from_reg) {
    const ValueRef into = fiber.registers.first + fiber.frames.front().base + to_reg;
    copy_value(checkpoint, *checkpoint_register(checkpoint, from_reg), fresh, into);
  };
  uint32_t needed = static_cast<uint32_t>(r.to_wf->params.size());
  for (const auto& v : r.to_step->variables) needed = std::max<uint32_t>(needed, v.reg + 1u);
  if (fiber.frames.front().base + needed > fiber.registers.count)
    return "the new version's frame is too small for the step's variables";
  for (size_t i = 0; i < r.to_wf->params.size(); ++i) {
    const auto& p = r.to_wf->params[i];
    auto old = std::find_if(r.from_wf->params.begin(), r.from_wf->params.end(), [&](const auto& q) { return q.name == p.name; });
    fill(static_cast<uint32_t>(i), static_cast<uint32_t>(old - r.from_wf->params.begin()));
  }
  for (const auto& v : r.to_step->variables) fill(v.reg, variable_named(*r.from_step, v.name)->reg);
  fresh.next_seq = std::max(fresh.next_seq, next_seq);
  return {};
}

}  // namespace wf::vm

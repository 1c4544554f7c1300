// One transition of one instance: the machine that runs it, the instance it belongs to and the
// changes it records, passed explicitly to everything the VM reports while it runs (log lines,
// steps entered and left, conditions) — the VM's host for that run.
#pragma once

#include <memory>
#include <span>

#include "runtime/engine/engine.h"
#include "vm/continuation.h"

namespace wf::engine {

class Transition final : public ServiceHost {
 public:
  // A fresh machine for `in`'s program; restore() or start it.
  Transition(Engine& engine, Instance& in, Changes& ch);
  ~Transition() override;
  Transition(const Transition&) = delete;
  Transition& operator=(const Transition&) = delete;

  Instance& instance() { return in_; }
  Changes& changes() { return ch_; }
  vm::Machine& machine() { return *machine_; }
  vm::RestoreResult restore(std::span<const uint8_t> continuation);

  // `now()` in a workflow: the engine's wall clock.
  int64_t now_ms() override;
  void on_log(uint32_t fiber, const std::string& message) override;
  void on_step(uint32_t fiber, const vm::Value& info, vm::StepEvent event) override;
  void on_condition(uint32_t fiber, const std::string& condition, bool value) override;

 private:
  Engine& engine_;
  Instance& in_;
  Changes& ch_;
  std::unique_ptr<vm::Machine> machine_;
};

}  // namespace wf::engine

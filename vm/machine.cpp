// The Machine: fibers and their scheduling, effects and their resumption, parallel branches
// (JOIN, PFOR) with first-error cancellation, and aborting an instance (SPEC §3, §1.6).
#include "vm/machine.h"

#include <algorithm>
#include <limits>

#include "vm/error_record.h"
#include "vm/fiber.h"
#include "vm/interpreter.h"

namespace wf::vm {

Machine::Machine(std::shared_ptr<const Program> program, Host& host) : program_(std::move(program)), host_(host) {}
Machine::~Machine() = default;

Value Machine::make_error(stdlib::ErrorKind kind, std::string message, Value detail) const {
  return make_error_record(kind, std::move(message), std::move(detail));
}

Fiber& Machine::new_fiber(uint32_t function, std::vector<Value> args, int32_t parent) {
  auto f = std::make_unique<Fiber>();
  f->id = static_cast<uint32_t>(fibers_.size());
  f->parent = parent;
  const auto& fn = program_->module.functions[function];
  f->registers.resize(std::max<size_t>(fn.num_registers, 16));
  for (size_t i = 0; i < args.size() && i < f->registers.size(); ++i) f->registers[i] = std::move(args[i]);
  f->frames.reserve(64);
  f->frames.push_back(Frame{function, 0, 0, 0});
  fibers_.push_back(std::move(f));
  return *fibers_.back();
}

bool Machine::start(uint32_t function, std::vector<Value> args) {
  globals_.assign(program_->module.globals.size(), Value());
  const int32_t init = program_->module.init_function;
  if (init >= 0) {
    // The initializer is pure (the checker allows no effects in module constants): it runs to
    // its end here, on a fiber of its own that is not part of the instance.
    Fiber f;
    f.registers.resize(std::max<size_t>(program_->module.functions[init].num_registers, 16));
    f.frames.push_back(Frame{static_cast<uint32_t>(init), 0, 0, 0});
    uint64_t fuel = std::numeric_limits<uint64_t>::max();
    Interpreter::run(*this, f, fuel);
    if (f.state == FiberState::Failed) {
      error_ = f.error;
      status_ = Status::Failed;
      return false;
    }
  }
  new_fiber(function, std::move(args), -1);
  status_ = Status::Running;
  return true;
}

Status Machine::run(uint64_t fuel) {
  if (status_ == Status::Completed || status_ == Status::Failed) return status_;
  bool progressed = true;
  while (progressed && fuel > 0) {
    progressed = false;
    // Fibers may be added while we run; index, don't iterate.
    for (size_t i = 0; i < fibers_.size() && fuel > 0; ++i) {
      if (fibers_[i]->state != FiberState::Runnable) continue;
      progressed = true;
      const FiberExit exit = Interpreter::run(*this, *fibers_[i], fuel);
      if (exit == FiberExit::Finished) finish_fiber(*fibers_[i]);
    }
  }
  update_status();
  return status_;
}

void Machine::update_status() {
  if (fibers_.empty()) return;
  const Fiber& main = *fibers_[0];
  if (main.state == FiberState::Done) {
    status_ = Status::Completed;
    result_ = main.result;
    return;
  }
  if (main.state == FiberState::Failed) {
    status_ = Status::Failed;
    error_ = main.error;
    return;
  }
  for (const auto& f : fibers_)
    if (f->state == FiberState::Runnable) {
      status_ = Status::Running;
      return;
    }
  status_ = Status::Waiting;
}

namespace {
bool live(const Fiber& f) { return f.state != FiberState::Done && f.state != FiberState::Failed; }
}  // namespace

void Machine::finish_fiber(Fiber& f) {
  if (f.state != FiberState::Failed) f.state = FiberState::Done;
  f.registers.clear();
  f.registers.shrink_to_fit();
  f.frames.clear();
  if (f.parent >= 0) wake_parent(f);
}

void Machine::deliver(Fiber& f, Delivery d, Value pending, bool uncatchable) {
  f.delivery = d;
  f.pending = std::move(pending);
  f.pending_uncatchable = uncatchable;
  f.state = FiberState::Runnable;
  if (status_ == Status::Waiting) status_ = Status::Running;
}

// A child finished: record the first error (cancelling the other children), start the next
// `parallel for` item, and wake the parent once none of its children runs and none is left.
void Machine::wake_parent(Fiber& child) {
  Fiber& parent = *fibers_[child.parent];
  if (child.state == FiberState::Failed && parent.first_error.is_none()) {
    parent.first_error = child.error;
    for (uint32_t id : parent.children)
      if (live(*fibers_[id])) cancel_fiber(*fibers_[id], make_error(stdlib::ErrorKind::Cancelled, "cancelled because a parallel branch failed"));
  }
  finish_join_if_done(parent);
}

void Machine::finish_join_if_done(Fiber& parent) {
  if (parent.state != FiberState::WaitingJoin) return;
  if (!parent.pfor_items.is_none() && parent.first_error.is_none() && !parent.doomed) start_pfor_items(parent);
  for (uint32_t id : parent.children)
    if (live(*fibers_[id])) return;
  const bool items_left = !parent.pfor_items.is_none() && parent.first_error.is_none() && !parent.doomed &&
                          parent.pfor_next < as_list(parent.pfor_items).size();
  if (items_left) return;
  parent.children.clear();
  parent.pfor_items = Value();
  parent.pfor_captures.clear();
  deliver(parent, Delivery::JoinDone, Value(), parent.doomed);
}

void Machine::start_pfor_items(Fiber& parent) {
  const uint32_t parent_id = parent.id;
  for (;;) {
    Fiber& p = *fibers_[parent_id];  // new_fiber may move the fiber list, not the fibers
    const auto& items = as_list(p.pfor_items);
    if (p.pfor_next >= items.size()) return;
    uint32_t running = 0;
    for (uint32_t id : p.children) running += live(*fibers_[id]);
    if (p.pfor_limit != 0 && running >= p.pfor_limit) return;
    std::vector<Value> args;
    args.push_back(items[p.pfor_next++]);
    for (const Value& c : p.pfor_captures) args.push_back(c);
    const uint32_t function = p.pfor_function;
    Fiber& child = new_fiber(function, std::move(args), static_cast<int32_t>(parent_id));
    fibers_[parent_id]->children.push_back(child.id);
  }
}

void Machine::cancel_fiber(Fiber& f, Value error) {
  if (!live(f)) return;
  f.doomed = true;
  if (f.state == FiberState::WaitingJoin) {
    if (f.first_error.is_none()) f.first_error = error;
    for (uint32_t id : f.children)
      if (live(*fibers_[id])) cancel_fiber(*fibers_[id], error);
    finish_join_if_done(f);
    return;
  }
  if (f.state == FiberState::WaitingEffect) {
    cancelled_.emplace_back(f.id, f.seq);
    ++f.seq;  // a late resume for the old seq is ignored
  }
  deliver(f, Delivery::Error, std::move(error), true);
}

std::vector<EffectRequest> Machine::take_effects() { return std::exchange(effects_, {}); }
std::vector<std::pair<uint32_t, uint64_t>> Machine::take_cancelled() { return std::exchange(cancelled_, {}); }

bool Machine::resume(uint32_t fiber, uint64_t seq, Value result) {
  if (fiber >= fibers_.size()) return false;
  Fiber& f = *fibers_[fiber];
  if (f.state != FiberState::WaitingEffect || f.seq != seq) return false;
  deliver(f, Delivery::Value, std::move(result), false);
  return true;
}

bool Machine::resume_error(uint32_t fiber, uint64_t seq, Value error_record) {
  if (fiber >= fibers_.size()) return false;
  Fiber& f = *fibers_[fiber];
  if (f.state != FiberState::WaitingEffect || f.seq != seq) return false;
  deliver(f, Delivery::Error, std::move(error_record), f.doomed);
  return true;
}

std::optional<StepDeadline> Machine::step_deadline(uint32_t fiber) const {
  std::optional<StepDeadline> earliest;
  // Parents precede their children, so the walk up ends.
  for (int64_t id = fiber; id >= 0 && static_cast<size_t>(id) < fibers_.size(); id = fibers_[static_cast<size_t>(id)]->parent) {
    for (const OpenStep& s : fibers_[static_cast<size_t>(id)]->steps)
      if (s.deadline > 0 && (!earliest || s.deadline < earliest->at)) earliest = StepDeadline{s.deadline, s.info};
    if (fibers_[static_cast<size_t>(id)]->parent >= id) break;
  }
  return earliest;
}

void Machine::restart_step_timeouts(int64_t now) {
  for (auto& f : fibers_)
    for (OpenStep& s : f->steps) s.deadline = step_deadline_from(s.info, now);
}

int64_t Machine::step_deadline_from(const Value& info, int64_t now) {
  // The lowering writes a step's info as {name, timeout}; the timeout is none when not given.
  if (info.tag != Tag::Record || as_record(info).fields.size() < 2 || as_record(info).fields[1].tag != Tag::Duration) return 0;
  return std::max<int64_t>(1, now + std::max<int64_t>(0, as_record(info).fields[1].i));
}

bool Machine::aborted() const { return !fibers_.empty() && fibers_[0]->doomed; }

void Machine::abort(Value error_record) {
  // The main fiber's cancellation reaches its children through JOIN; branches not waited on by
  // anyone (none exist: every SPAWN is joined) would be reached by the loop anyway.
  for (size_t i = 0; i < fibers_.size(); ++i)
    if (fibers_[i]->parent < 0 || !live(*fibers_[fibers_[i]->parent])) cancel_fiber(*fibers_[i], error_record);
  for (size_t i = 0; i < fibers_.size(); ++i) cancel_fiber(*fibers_[i], error_record);
}

}  // namespace wf::vm

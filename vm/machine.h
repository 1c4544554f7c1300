// The VM (SPEC §3): runs one workflow instance as fibers over a Program. It never does I/O and
// never reads the clock except through its Host. An effect instruction hands the host an
// EffectRequest and the fiber waits; the host later resumes it by (fiber, seq) with a value or
// an error. Everything that must survive a suspension lives in the Machine's fibers, never in C++
// locals of the dispatch loop, so snapshot() can write it out at any quiescent point.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/ops.h"
#include "stdlib/error_kinds.h"
#include "vm/program.h"
#include "vm/value.h"

namespace wf::vm {

struct EffectRequest {
  bytecode::EffectKind kind;
  Value args;  // a record; its fields are the effect's clauses (see docs/vm.md)
  uint32_t fiber = 0;
  uint64_t seq = 0;
};

enum class StepEvent { Enter, Leave, Fail };

// The step whose `timeout` an effect must be answered within (Machine::step_deadline).
struct StepDeadline {
  int64_t at = 0;  // the host's clock, ms since the epoch
  Value info;      // the step's {name, timeout}
};

// What the VM asks of whoever runs it, synchronously and without suspending.
class Host : public stdlib::NativeContext {
 public:
  virtual void on_log(uint32_t fiber, const std::string& message) = 0;
  // `info` is the step's record {name, timeout}. Entering a step is a checkpoint.
  virtual void on_step(uint32_t fiber, const Value& info, StepEvent event) = 0;
  // An `if` condition was evaluated (for simulation and the execution log).
  virtual void on_condition(uint32_t fiber, const std::string& condition, bool value) = 0;
};

enum class Status {
  Running,    // out of fuel: call run() again
  Waiting,    // every live fiber waits for an effect; see take_effects()
  Completed,  // result() holds the return value
  Failed,     // error() holds the Error record
};

struct Fiber;
enum class Delivery : uint8_t;

class Machine {
 public:
  Machine(std::shared_ptr<const Program> program, Host& host);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Runs the module's initializer (module constants) and starts `function` with `args`.
  // False with `error()` set if the initializer failed.
  bool start(uint32_t function, std::vector<Value> args);

  // Runs runnable fibers for at most `fuel` instructions.
  Status run(uint64_t fuel);
  Status status() const { return status_; }

  // The effects requested since the last call, oldest first.
  std::vector<EffectRequest> take_effects();
  // Effects whose fibers were cancelled (a failing sibling in `parallel`) since the last call:
  // (fiber, seq). The host should stop waiting for them; resuming them is a no-op.
  std::vector<std::pair<uint32_t, uint64_t>> take_cancelled();

  // Delivers an effect's outcome. Idempotent by seq: a stale or repeated (fiber, seq) is ignored
  // and returns false.
  bool resume(uint32_t fiber, uint64_t seq, Value result);
  bool resume_error(uint32_t fiber, uint64_t seq, Value error_record);
  // Raises an error nothing can catch into every live fiber (cancel, instance timeout): finally
  // blocks and checkins still run.
  void abort(Value error_record);
  // Whether an abort is unwinding it: its main fiber carries an error nothing catches, so only
  // finally blocks and checkins run on. Kept in its continuation, so it holds after a restore.
  bool aborted() const;

  // The earliest deadline of the timed steps `fiber` is inside: its own, and those its parents
  // were inside when they started it (a `parallel` inside a step). Null when there is none.
  std::optional<StepDeadline> step_deadline(uint32_t fiber) const;
  // Starts the timeouts of every open step afresh from `now` (a retry from a checkpoint).
  void restart_step_timeouts(int64_t now);
  // When a step with this info record entered at `now` runs out of time; 0 when it has no timeout.
  static int64_t step_deadline_from(const Value& info, int64_t now);

  const Value& result() const { return result_; }
  const Value& error() const { return error_; }

  // An Error record (SPEC §1.7).
  Value make_error(stdlib::ErrorKind kind, std::string message, Value detail = Value()) const;

  const Program& program() const { return *program_; }

  // For the continuation codec (continuation.h).
  const std::vector<std::unique_ptr<Fiber>>& fibers() const { return fibers_; }
  std::vector<std::unique_ptr<Fiber>>& fibers() { return fibers_; }
  std::vector<Value>& globals() { return globals_; }
  const std::vector<Value>& globals() const { return globals_; }
  uint64_t& next_seq() { return next_seq_; }
  uint64_t next_seq() const { return next_seq_; }
  void set_status(Status s) { status_ = s; }
  void set_outcome(Value result, Value error) { result_ = std::move(result); error_ = std::move(error); }

 private:
  friend class Interpreter;
  Fiber& new_fiber(uint32_t function, std::vector<Value> args, int32_t parent);
  void finish_fiber(Fiber& f);
  void deliver(Fiber& f, Delivery d, Value pending, bool uncatchable);
  void cancel_fiber(Fiber& f, Value error);
  void wake_parent(Fiber& child);
  void finish_join_if_done(Fiber& parent);
  void start_pfor_items(Fiber& parent);
  void update_status();

  std::shared_ptr<const Program> program_;
  Host& host_;
  std::vector<std::unique_ptr<Fiber>> fibers_;
  std::vector<Value> globals_;
  std::vector<EffectRequest> effects_;
  std::vector<std::pair<uint32_t, uint64_t>> cancelled_;
  uint64_t next_seq_ = 1;
  Status status_ = Status::Running;
  Value result_, error_;
};

}  // namespace wf::vm

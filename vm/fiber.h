// A fiber: one thread of a workflow instance (the main body, or a parallel branch), with its
// register file, its call frames and what it waits for. Plain data, so the continuation codec
// can write it out and read it back.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/value.h"

namespace wf::vm {

struct Frame {
  uint32_t function = 0;
  uint32_t pc = 0;      // the next instruction
  uint32_t base = 0;    // the frame's R[0] in the fiber's register file
  uint8_t result = 0;   // the caller's register that receives the return value
};

// A step the fiber is inside, for Error.step and the host's timeline.
struct OpenStep {
  uint32_t frame = 0;     // index into frames
  uint32_t enter_pc = 0;  // the STEP instruction that opened it
  Value info;             // {name, timeout}
  // When its `timeout` runs out (the host's clock, ms since the epoch), set as the body starts;
  // 0 for none. Hosts enforce it at the effects the step's fibers wait on (Machine::step_deadline).
  int64_t deadline = 0;
};

enum class Delivery : uint8_t { None, Value, Error, JoinDone };

enum class FiberState : uint8_t {
  Runnable,
  WaitingEffect,  // for (seq); the outcome goes to R[effect_register] of the top frame
  WaitingJoin,    // for its children (JOIN or PFOR)
  Done,
  Failed,
};

struct Fiber {
  uint32_t id = 0;
  int32_t parent = -1;
  FiberState state = FiberState::Runnable;
  std::vector<Value> registers;
  std::vector<Frame> frames;
  std::vector<OpenStep> steps;

  // Waiting for an effect.
  uint64_t seq = 0;
  uint8_t effect_register = 0;

  // What the fiber finds when it next runs, set by whoever made it runnable again.
  Delivery delivery = Delivery::None;
  bool pending_uncatchable = false;
  Value pending;  // the effect's value (Delivery::Value) or the error to raise (Delivery::Error)

  // Once an uncatchable error unwinds a fiber, every later error in it is uncatchable too: the
  // fiber is on its way out and only finally blocks run.
  bool doomed = false;

  // Waiting for children: JOIN waits for `children`; PFOR also starts items as others finish.
  std::vector<uint32_t> children;
  Value pfor_items;      // the list being iterated (PFOR); none otherwise
  uint32_t pfor_next = 0;
  uint32_t pfor_limit = 0;
  uint32_t pfor_function = 0;
  std::vector<Value> pfor_captures;
  Value first_error;     // raised when the children are done (the first child error, or a cancel)

  Value result;  // when Done
  Value error;   // when Failed
};

}  // namespace wf::vm

// The dispatch loop: runs one fiber until it finishes, waits, raises out of its last frame, or
// uses up its fuel. Internal to the VM; the Machine schedules fibers and calls it.
#pragma once

#include <cstdint>

namespace wf::vm {

class Machine;
struct Fiber;

enum class FiberExit { Finished, Waiting, OutOfFuel };

class Interpreter {
 public:
  // `fuel` counts backward jumps and calls, the only ways a fiber can run for long.
  static FiberExit run(Machine& m, Fiber& f, uint64_t& fuel);
};

}  // namespace wf::vm

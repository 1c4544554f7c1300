// Moving a waiting instance to another version of its workflow (SPEC §4.11): the rule that decides
// whether it may move, and the new machine's state at the entry of the same step in the new code.
// Both are pure: the modules and the continuations in, a refusal or the new state out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bytecode/module.h"
#include "vm/continuation.h"

namespace wf::vm {

// The two versions of the workflow and where the instance stands in the old one.
struct UpgradeSides {
  const bytecode::Module& from;
  int64_t from_version = 0;
  const bytecode::Module& to;
  int64_t to_version = 0;
  std::string_view workflow;
  std::string_view step;  // the top-level step the instance waits inside
};

// Empty when an instance of `sides.from` whose last checkpoint is `checkpoint` (taken as it
// entered `sides.step`) may restart that step in `sides.to`; otherwise why not, as an operator
// reads it: `no step "X" in version 3`, `variable retries: int in version 2, string in version 3`.
std::string upgrade_refusal(const UpgradeSides& sides, const ContinuationData& checkpoint);

// `fresh` is the capture of a machine of `sides.to`'s program just started on the workflow (its
// module constants evaluated, its first fiber at the function's first instruction). Moves that
// fiber to the entry of the step, with the parameters and the variables live there taken, by
// name, from `checkpoint`, and numbers effects from `next_seq` on. Returns the refusal of
// upgrade_refusal, or empty once `fresh` holds the state to restore.
std::string move_to_step(const UpgradeSides& sides, const ContinuationData& checkpoint, uint64_t next_seq,
                         ContinuationData& fresh);

}  // namespace wf::vm

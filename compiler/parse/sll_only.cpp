// The thread's SLL-only flag (see sll_only.h).
#include "parse/sll_only.h"

namespace wf {

namespace {
thread_local bool sll_only = false;
}  // namespace

SllOnlyScope::SllOnlyScope() : outer_(sll_only) { sll_only = true; }
SllOnlyScope::~SllOnlyScope() { sll_only = outer_; }
bool SllOnlyScope::active() { return sll_only; }

}  // namespace wf

// A workflow's `@schedule` (SPEC §4.5): publishing a version with it makes the definition's
// schedule (source `annotation`, named after the workflow), a later published version that changes
// it changes the schedule, and a version without it, deactivating or deleting the definition
// removes the schedule (its ticks are kept).
#pragma once

#include <cstdint>
#include <functional>

#include "runtime/service/api_support.h"

namespace wf::service {

// Brings definition `definition`'s annotation schedule in line with what the store now holds of
// the definition, then calls `then` (whatever happened: a failure is said on stderr, since the
// definition's own change has committed already).
void follow_schedule_annotation(Context& c, int64_t org, int64_t definition, std::function<void()> then);

}  // namespace wf::service

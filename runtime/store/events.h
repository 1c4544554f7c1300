// The events table of the store (SPEC §4.8): every state change as an event with a monotonic id,
// read back for Server-Sent Events after a `Last-Event-ID`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/store/query.h"
#include "runtime/store/rows.h"

namespace wf::store::events {

// Up to `limit` events of `org` (of one instance, or the `job.*` events of one job, when given)
// with ids above `after`, in id order.
Result<std::vector<EventRow>> after(Database& db, int64_t org, std::optional<int64_t> instance, int64_t after, int64_t limit,
                                    std::optional<int64_t> job = std::nullopt);
// The statement after() runs (of one instance or not, of one job or not), for the test that each
// is served by an index.
std::string after_sql(bool instance, bool job = false);
Result<int64_t> max_id(Database& db);

}  // namespace wf::store::events

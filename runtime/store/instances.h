// The instances aggregate of the store: an instance's row and what hangs off it — the effects it
// waits for, its timeline (steps), its execution log and the signals kept for it. One mapping of
// each row type; every function runs on the caller's connection and answers a Result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/page.h"
#include "runtime/store/query.h"
#include "runtime/store/rows.h"

namespace wf::store {

// The filters of an instance list; "" filters nothing.
struct InstanceFilter {
  std::string status, workflow, trigger;
};

// A live instance as recovery reads it, with what hangs off it: where its timeline and log go on,
// its open timeline rows and the effects it waits for.
struct RecoveredInstance {
  InstanceRow row;
  int64_t next_step = 0, next_log_seq = 1;
  std::vector<StepRow> open_steps;
  std::vector<WaitRow> waits;
};

}  // namespace wf::store

namespace wf::store::instances {

// A page of `org`'s instances, newest first, without their continuations; `page.after` is an
// instance id (the list goes on with older ones).
Result<Page<InstanceRow>> list(Database& db, int64_t org, const InstanceFilter& filter, Paging page);
// The statements list() runs for a filter (with a cursor or not), for the test that every form
// is served by an index.
std::string list_sql(const InstanceFilter& filter, bool after);
std::string count_sql(const InstanceFilter& filter);

// The instances not yet ended (every organization's, for recovery), oldest first.
Result<std::vector<InstanceRow>> live(Database& db);
// Up to `most` live instances with ids above `after`, oldest first, each with its open steps and
// waits: recovery's chunk, read in three set-wise statements whatever its size.
Result<std::vector<RecoveredInstance>> live_chunk(Database& db, int64_t after, int64_t most);
// The statements live_chunk() runs, for the test that each is served by an index.
std::vector<std::string> live_chunk_sql();
// One instance of `org`, with its continuation and checkpoint; nullopt when there is none.
Result<std::optional<InstanceRow>> find(Database& db, int64_t org, int64_t id);
// The instance a child workflow effect (`parent`, `seq`) started, if any.
Result<std::optional<int64_t>> child_of(Database& db, int64_t parent, uint64_t seq);
// The largest instance id stored (0 when none).
Result<int64_t> max_id(Database& db);

// The next free timeline index and log sequence number of an instance.
Result<int64_t> next_step_index(Database& db, int64_t instance);
Result<int64_t> next_log_seq(Database& db, int64_t instance);
// The timeline rows of an instance still running.
Result<std::vector<StepRow>> open_steps(Database& db, int64_t instance);
// The effects an instance waits for, by seq.
Result<std::vector<WaitRow>> waits(Database& db, int64_t instance);
// An instance's whole timeline, by index.
Result<std::vector<StepRow>> steps(Database& db, int64_t instance);
// An instance's execution log after sequence number `after`.
Result<std::vector<LogRow>> log(Database& db, int64_t instance, int64_t after);
// The payload (JSON) of the oldest signal `event` kept for an instance.
Result<std::optional<std::string>> first_signal(Database& db, int64_t instance, std::string_view event);

}  // namespace wf::store::instances

// The schedules aggregate of the store (SPEC §4.5): schedules and their append-only ticks. A
// tick's rows ride in the engine's unit (changes.h) through save() and add_tick(); the API's
// creates, edits and removals are units of their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/store/query.h"
#include "runtime/store/rows.h"

namespace wf::store::schedules {

Result<std::optional<ScheduleRow>> find(Database& db, int64_t org, int64_t id);
// The schedule not removed that is called `name` in `org`.
Result<std::optional<ScheduleRow>> find_by_name(Database& db, int64_t org, const std::string& name);
// The schedules of `org` not removed, by name.
Result<std::vector<ScheduleRow>> list(Database& db, int64_t org);
// Every schedule not removed, of every organization: what the scheduler loads at start.
Result<std::vector<ScheduleRow>> all_live(Database& db);
// The schedule a definition's `@schedule` made, when it has one not removed.
Result<std::optional<ScheduleRow>> of_annotation(Database& db, int64_t org, int64_t definition);
// The newest `limit` ticks of a schedule, newest first.
Result<std::vector<TickRow>> ticks(Database& db, int64_t schedule, int64_t limit);
// All ticks of a schedule, oldest first (tests and exports).
Result<std::vector<TickRow>> all_ticks(Database& db, int64_t schedule);

// ---- writes (inside the writer's transaction)
// A new schedule; its id in `id`.
bool insert(Database& db, const ScheduleRow& row, int64_t& id, std::string& error);
// The whole row of an existing schedule.
bool save(Database& db, const ScheduleRow& row, std::string& error);
bool add_tick(Database& db, const TickRow& tick, std::string& error);

}  // namespace wf::store::schedules

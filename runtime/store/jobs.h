// The jobs table of the store (SPEC §4.2): one mapping of a job row; the reads the engine and the
// API make of jobs.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/store/query.h"
#include "runtime/store/rows.h"

namespace wf::store::jobs {

// Jobs not yet ended (queued, dispatched, running), of every organization, by id.
Result<std::vector<JobRow>> unfinished(Database& db);
// Every job (every round and attempt) of one `run` effect of an instance.
Result<std::vector<JobRow>> of_effect(Database& db, int64_t instance, uint64_t seq);
// One job of `org`.
Result<std::optional<JobRow>> find(Database& db, int64_t org, int64_t id);
// One job whatever its organization: for an agent's report, which the engine then judges.
Result<std::optional<JobRow>> find_any(Database& db, int64_t id);
Result<int64_t> max_id(Database& db);

}  // namespace wf::store::jobs

// The jobs table of the store (SPEC §4.2): one mapping of a job row; the reads the engine and the
// API make of jobs.
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

// The filters of a job list; "" and 0 filter nothing.
struct JobFilter {
  std::string status, host;
  int64_t instance = 0;
};

// What a timeline row needs of a job: its id and the effect that ran it (not its output, which
// may be a megabyte).
struct JobOfEffect {
  int64_t id = 0;
  std::optional<int64_t> effect_seq;
};

}  // namespace wf::store

namespace wf::store::jobs {

// A page of `org`'s jobs that were not removed, newest first; `page.after` is a job id (the list
// goes on with older ones).
Result<Page<JobRow>> list(Database& db, int64_t org, const JobFilter& filter, Paging page);
// The statements list() runs, for the test that every form is served by an index.
std::string list_sql(const JobFilter& filter, bool after);
std::string count_sql(const JobFilter& filter);
// A page of the jobs of `org` run as the script library's `script` (of the definition
// `definition` only, when given) that were not removed, newest first; `page.after` is a job id.
Result<Page<JobRow>> of_script(Database& db, int64_t org, std::string_view script, std::optional<int64_t> definition, Paging page);
// The statements of_script() runs, for the test that each is served by an index.
std::string of_script_sql(bool definition, bool after);
std::string of_script_count_sql(bool definition);
// The jobs of an instance, oldest first.
Result<std::vector<JobOfEffect>> of_instance(Database& db, int64_t instance);
// Takes an ended job of `org` out of the lists; its row stays (history is append-only) and is
// still found by its id.
bool remove(Database& db, int64_t org, int64_t id, int64_t now, std::string& error);

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

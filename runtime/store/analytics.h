// The figures of `GET /analytics` and `wf stats` (docs/api.md, "Analytics"), read from an
// organization's instances, jobs, approvals and notifications over a time range through indexes
// made for them: no read scans a whole table. Executions are the instances created in the range;
// their durations are from start (or creation, for one that never started) to end. The ended
// executions of the range's whole UTC days are read from the summary the store keeps as instances
// end (schema version 17), each row holding up to 256 of them, and the live ones through the
// index of live instances; only the parts of days at the range's ends are read instance by
// instance.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/store/database.h"
#include "runtime/store/query.h"

namespace wf::store::analytics {

inline constexpr int64_t kDayMs = 86400000;

struct Range {
  int64_t from_ms = 0, to_ms = 0;  // [from, to)
  std::string workflow;            // "" for every workflow
};

// How the executions of a day (or of a workflow) ended.
struct Ended {
  int64_t completed = 0, failed = 0, cancelled = 0, timeout = 0;
  int64_t total() const { return completed + failed + cancelled + timeout; }
};

struct Day {
  int64_t start_ms = 0;  // midnight UTC
  Ended ended;           // of the executions created that day
};

struct WorkflowFigures {
  std::string workflow;
  int64_t runs = 0;
  std::optional<double> success_rate;       // completed / ended; none when none ended
  std::optional<double> median_duration_ms;  // of those that ended
};

struct AgentFigures {
  int64_t agent_id = 0;
  std::string hostname;
  int64_t jobs = 0;     // jobs that ended in the range on this agent
  int64_t busy_ms = 0;  // their run time, as the agent timed it
};

struct ApprovalFigures {
  int64_t count = 0;                          // requests made in the range
  std::optional<double> median_decision_ms;  // creation to decision, of those decided
  std::optional<double> expired_share;       // expired / count; none when count is 0
};

// The notifications `notify` made in the range, by what became of them.
struct NotificationFigures {
  int64_t count = 0, delivered = 0, dead_lettered = 0;  // the rest wait for an attempt
};

struct Report {
  int64_t executions = 0;
  std::map<std::string, int64_t> by_status;  // every instance status, 0 included
  std::optional<double> success_rate;        // completed / ended
  std::optional<double> average_duration_ms, median_duration_ms;
  int64_t active_workflows = 0;  // active definitions with an execution in the range
  std::vector<Day> daily;        // every UTC day the range touches, oldest first
  std::vector<WorkflowFigures> top_workflows;  // most runs first, then by name
  std::vector<AgentFigures> agents;            // most jobs first, then by id
  ApprovalFigures approvals;
  NotificationFigures notifications;
};

// The exact median of `values` (the mean of the two middle ones for an even count); reorders them.
std::optional<double> median(std::vector<int64_t>& values);

// The report of `org` over `range`, with at most `top` workflows.
Result<Report> report(Database& db, int64_t org, const Range& range, size_t top = 10);

// The plans SQLite makes for the report's statements (EXPLAIN QUERY PLAN's `detail` lines, each
// prefixed by the statement's name): what a test reads to see that no table is scanned whole.
Result<std::vector<std::string>> query_plans(Database& db, bool with_workflow);

}  // namespace wf::store::analytics

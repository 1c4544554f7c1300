// The analytics report's statements and arithmetic (see analytics.h).
#include "runtime/store/analytics.h"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "runtime/store/statuses.h"

namespace wf::store::analytics {

namespace {

// One pass over the range's instances through the index instances_by_org_created, each row then
// read from the table (the index holds only what no transition changes: schema version 16). The
// planner is told: with a workflow it would otherwise pick instances_by_workflow_status and read
// every row of that workflow, whatever its time.
constexpr std::string_view kInstances =
    "SELECT workflow, status, created_at, started_at, ended_at FROM instances INDEXED BY instances_by_org_created "
    "WHERE org_id = ?1 AND created_at >= ?2 AND created_at < ?3";
constexpr std::string_view kInstancesOfWorkflow =
    "SELECT workflow, status, created_at, started_at, ended_at FROM instances INDEXED BY instances_by_org_created "
    "WHERE org_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND workflow = ?4";
constexpr std::string_view kActiveDefinitions = "SELECT name FROM definitions WHERE org_id = ?1 AND active = 1";
// Jobs by the time they ended, through jobs_by_org_ended; with a workflow, only its instances'.
constexpr std::string_view kAgents =
    "SELECT j.agent_id, COALESCE(a.hostname, ''), count(*), sum(COALESCE(j.duration_ms, j.ended_at - j.started_at, 0)) "
    "FROM jobs j INDEXED BY jobs_by_org_ended LEFT JOIN agents a ON a.id = j.agent_id "
    "WHERE j.org_id = ?1 AND j.ended_at >= ?2 AND j.ended_at < ?3 AND j.agent_id IS NOT NULL GROUP BY j.agent_id";
constexpr std::string_view kAgentsOfWorkflow =
    "SELECT j.agent_id, COALESCE(a.hostname, ''), count(*), sum(COALESCE(j.duration_ms, j.ended_at - j.started_at, 0)) "
    "FROM jobs j INDEXED BY jobs_by_org_ended LEFT JOIN agents a ON a.id = j.agent_id "
    "WHERE j.org_id = ?1 AND j.ended_at >= ?2 AND j.ended_at < ?3 AND j.agent_id IS NOT NULL "
    "AND j.instance_id IN (SELECT id FROM instances WHERE org_id = ?1 AND workflow = ?4) GROUP BY j.agent_id";
// Approval requests by the time they were made, through approvals_by_org_created.
constexpr std::string_view kApprovals =
    "SELECT status, created_at, decided_at FROM approvals INDEXED BY approvals_by_org_created "
    "WHERE org_id = ?1 AND created_at >= ?2 AND created_at < ?3";
constexpr std::string_view kApprovalsOfWorkflow =
    "SELECT status, created_at, decided_at FROM approvals INDEXED BY approvals_by_org_created "
    "WHERE org_id = ?1 AND created_at >= ?2 AND created_at < ?3 "
    "AND instance_id IN (SELECT id FROM instances WHERE org_id = ?1 AND workflow = ?4)";

void bind_range(Statement& s, int64_t org, const Range& range) {
  s.bind(1, org);
  s.bind(2, range.from_ms);
  s.bind(3, range.to_ms);
  if (!range.workflow.empty()) s.bind(4, std::string_view(range.workflow));
}

int64_t day_of(int64_t ms) { return (ms >= 0 ? ms : ms - kDayMs + 1) / kDayMs; }

// Counts an ended status into `e`; false for a status that has not ended.
bool count_end(Ended& e, InstanceStatus s) {
  switch (s) {
    case InstanceStatus::Completed: ++e.completed; return true;
    case InstanceStatus::Failed: ++e.failed; return true;
    case InstanceStatus::Cancelled: ++e.cancelled; return true;
    case InstanceStatus::Timeout: ++e.timeout; return true;
    default: return false;
  }
}

std::optional<double> rate(int64_t part, int64_t whole) {
  if (whole == 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

// What the pass over the instances gathers of each workflow.
struct PerWorkflow {
  int64_t runs = 0;
  Ended ended;
  std::vector<int64_t> durations;
};

struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

bool read_instances(Database& db, int64_t org, const Range& range, Report& out, std::map<std::string, PerWorkflow>& workflows,
                    std::string& error) {
  const int64_t first_day = day_of(range.from_ms), last_day = day_of(range.to_ms - 1);
  out.daily.resize(static_cast<size_t>(std::max<int64_t>(0, last_day - first_day + 1)));
  for (size_t i = 0; i < out.daily.size(); ++i) out.daily[i].start_ms = (first_day + static_cast<int64_t>(i)) * kDayMs;
  std::array<int64_t, kInstanceStatusNames.size()> by_status{};
  std::vector<int64_t> durations;
  Ended ended;
  int64_t duration_sum = 0;
  // A row's workflow and status are read as views of SQLite's own bytes (no copy per row); a
  // workflow's entry is found by hash, the status by its table's few names.
  std::unordered_map<std::string, PerWorkflow*, TextHash, std::equal_to<>> by_name;
  Query q(db, range.workflow.empty() ? kInstances : kInstancesOfWorkflow);
  bind_range(*q, org, range);
  while (q->step()) {
    const Statement& s = q.row();
    const std::string_view name = s.column_blob(0);
    const auto status = parse<InstanceStatus>(s.column_blob(1));
    if (!status) return error = "an instance has an unknown status", false;
    const int64_t created = s.column_int64(2);
    auto found = by_name.find(name);
    if (found == by_name.end()) {
      std::string key(name);
      found = by_name.emplace(key, &workflows[key]).first;
    }
    PerWorkflow* last = found->second;
    ++out.executions;
    ++by_status[static_cast<size_t>(*status)];
    ++last->runs;
    const int64_t day = day_of(created) - first_day;
    if (day >= 0 && day < static_cast<int64_t>(out.daily.size())) count_end(out.daily[static_cast<size_t>(day)].ended, *status);
    if (!count_end(ended, *status) || s.column_is_null(4)) continue;
    count_end(last->ended, *status);
    const int64_t began = s.column_is_null(3) ? created : s.column_int64(3);
    const int64_t took = std::max<int64_t>(0, s.column_int64(4) - began);
    durations.push_back(took);
    last->durations.push_back(took);
    duration_sum += took;
  }
  if (!finished(q, error)) return false;
  for (size_t i = 0; i < by_status.size(); ++i) out.by_status[std::string(kInstanceStatusNames[i])] = by_status[i];
  out.success_rate = rate(ended.completed, ended.total());
  if (!durations.empty()) out.average_duration_ms = static_cast<double>(duration_sum) / static_cast<double>(durations.size());
  out.median_duration_ms = median(durations);
  return true;
}

bool read_active(Database& db, int64_t org, const std::map<std::string, PerWorkflow>& workflows, Report& out, std::string& error) {
  Query q(db, kActiveDefinitions);
  q->bind(1, org);
  while (q->step())
    if (workflows.count(q->column_text(0))) ++out.active_workflows;
  return finished(q, error);
}

void rank_workflows(std::map<std::string, PerWorkflow>& workflows, size_t top, Report& out) {
  std::vector<std::pair<const std::string*, PerWorkflow*>> ranked;
  for (auto& [name, w] : workflows) ranked.emplace_back(&name, &w);
  // The map is in name order and the sort is stable: ties keep it.
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second->runs > b.second->runs; });
  if (ranked.size() > top) ranked.resize(top);
  for (auto& [name, w] : ranked)
    out.top_workflows.push_back({*name, w->runs, rate(w->ended.completed, w->ended.total()), median(w->durations)});
}

bool read_agents(Database& db, int64_t org, const Range& range, Report& out, std::string& error) {
  Query q(db, range.workflow.empty() ? kAgents : kAgentsOfWorkflow);
  bind_range(*q, org, range);
  while (q->step()) out.agents.push_back({q->column_int64(0), q->column_text(1), q->column_int64(2), q->column_int64(3)});
  if (!finished(q, error)) return false;
  std::stable_sort(out.agents.begin(), out.agents.end(), [](const AgentFigures& a, const AgentFigures& b) { return a.jobs > b.jobs; });
  return true;
}

bool read_approvals(Database& db, int64_t org, const Range& range, Report& out, std::string& error) {
  Query q(db, range.workflow.empty() ? kApprovals : kApprovalsOfWorkflow);
  bind_range(*q, org, range);
  int64_t expired = 0;
  std::vector<int64_t> waits;
  while (q->step()) {
    ++out.approvals.count;
    const auto status = parse<ApprovalStatus>(q->column_text(0));
    if (status == ApprovalStatus::Expired) ++expired;
    if ((status == ApprovalStatus::Approved || status == ApprovalStatus::Rejected) && !q->column_is_null(2))
      waits.push_back(std::max<int64_t>(0, q->column_int64(2) - q->column_int64(1)));
  }
  if (!finished(q, error)) return false;
  out.approvals.median_decision_ms = median(waits);
  out.approvals.expired_share = rate(expired, out.approvals.count);
  return true;
}

}  // namespace

std::optional<double> median(std::vector<int64_t>& values) {
  if (values.empty()) return std::nullopt;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = static_cast<double>(values[mid]);
  if (values.size() % 2 == 1) return upper;
  const double lower = static_cast<double>(*std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid)));
  return (lower + upper) / 2;
}

Result<Report> report(Database& db, int64_t org, const Range& range, size_t top) {
  Report out;
  std::map<std::string, PerWorkflow> workflows;
  std::string error;
  if (!read_instances(db, org, range, out, workflows, error) || !read_active(db, org, workflows, out, error) ||
      !read_agents(db, org, range, out, error) || !read_approvals(db, org, range, out, error))
    return Result<Report>::failure(error);
  rank_workflows(workflows, top, out);
  return out;
}

Result<std::vector<std::string>> query_plans(Database& db, bool with_workflow) {
  struct Named {
    const char* name;
    std::string_view sql;
    int parameters;
  };
  const int ranged = with_workflow ? 4 : 3;
  const Named statements[] = {
      {"instances", with_workflow ? kInstancesOfWorkflow : kInstances, ranged},
      {"definitions", kActiveDefinitions, 1},
      {"agents", with_workflow ? kAgentsOfWorkflow : kAgents, ranged},
      {"approvals", with_workflow ? kApprovalsOfWorkflow : kApprovals, ranged},
  };
  std::vector<std::string> plans;
  std::string error;
  for (const auto& [name, sql, parameters] : statements) {
    Query q(db, "EXPLAIN QUERY PLAN " + std::string(sql));
    for (int i = 1; i <= parameters; ++i) {
      if (i == 4) q->bind(4, std::string_view("w"));
      else q->bind(i, int64_t{0});
    }
    while (q->step()) plans.push_back(std::string(name) + ": " + q->column_text(3));
    if (!finished(q, error)) return Result<std::vector<std::string>>::failure(error);
  }
  return plans;
}

}  // namespace wf::store::analytics

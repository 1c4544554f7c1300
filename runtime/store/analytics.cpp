// The analytics report's statements and arithmetic (see analytics.h).
#include "runtime/store/analytics.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "runtime/store/statuses.h"

namespace wf::store::analytics {

namespace {

// The instances of a part of a day, one row each through the index instances_by_org_created
// (organization, creation time), each row then read from the table: only the range's first and
// last days, when they are not whole. The planner is told: with a workflow it would otherwise pick
// instances_by_workflow_status and read every row of that workflow, whatever its time.
constexpr std::string_view kInstances =
    "SELECT workflow, status, created_at, started_at, ended_at FROM instances INDEXED BY instances_by_org_created "
    "WHERE org_id = ?1 AND created_at >= ?2 AND created_at < ?3";
constexpr std::string_view kInstancesOfWorkflow =
    "SELECT workflow, status, created_at, started_at, ended_at FROM instances INDEXED BY instances_by_org_created "
    "WHERE org_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND workflow = ?4";
// Whole days: the ended executions from the summary the store keeps as instances end (schema
// version 17; ?2 and ?3 are UTC day numbers), the others — running, paused, queued: the few alive
// — through the index of live instances.
constexpr std::string_view kDayEnds = "SELECT day, workflow, entries FROM execution_ends WHERE org_id = ?1 AND day >= ?2 AND day < ?3";
constexpr std::string_view kDayEndsOfWorkflow =
    "SELECT day, workflow, entries FROM execution_ends WHERE org_id = ?1 AND day >= ?2 AND day < ?3 AND workflow = ?4";
constexpr std::string_view kLive =
    "SELECT workflow, status, created_at, started_at, ended_at FROM instances INDEXED BY instances_live "
    "WHERE status <> 'completed' AND status <> 'failed' AND status <> 'cancelled' AND status <> 'timeout' AND org_id = ?1 AND created_at >= ?2 AND created_at < ?3";
constexpr std::string_view kLiveOfWorkflow =
    "SELECT workflow, status, created_at, started_at, ended_at FROM instances INDEXED BY instances_live "
    "WHERE status <> 'completed' AND status <> 'failed' AND status <> 'cancelled' AND status <> 'timeout' AND org_id = ?1 AND created_at >= ?2 AND created_at < ?3 "
    "AND workflow = ?4";
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
// Notifications by the time `notify` made them, through notifications_by_org_created.
constexpr std::string_view kNotifications =
    "SELECT status, count(*) FROM notifications INDEXED BY notifications_by_org_created "
    "WHERE org_id = ?1 AND created_at >= ?2 AND created_at < ?3 GROUP BY status";
constexpr std::string_view kNotificationsOfWorkflow =
    "SELECT status, count(*) FROM notifications INDEXED BY notifications_by_org_created "
    "WHERE org_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND workflow = ?4 GROUP BY status";

// Binds the organization, [from, to) and the workflow when there is one.
void bind_range(Statement& s, int64_t org, int64_t from, int64_t to, const std::string& workflow) {
  s.bind(1, org);
  s.bind(2, from);
  s.bind(3, to);
  if (!workflow.empty()) s.bind(4, std::string_view(workflow));
}
void bind_range(Statement& s, int64_t org, const Range& range) { bind_range(s, org, range.from_ms, range.to_ms, range.workflow); }

int64_t day_of(int64_t ms) { return (ms >= 0 ? ms : ms - kDayMs + 1) / kDayMs; }

// Counts `n` executions of an ended status into `e`; false for a status that has not ended.
bool count_end(Ended& e, InstanceStatus s, int64_t n = 1) {
  switch (s) {
    case InstanceStatus::Completed: e.completed += n; return true;
    case InstanceStatus::Failed: e.failed += n; return true;
    case InstanceStatus::Cancelled: e.cancelled += n; return true;
    case InstanceStatus::Timeout: e.timeout += n; return true;
    default: return false;
  }
}

std::optional<double> rate(int64_t part, int64_t whole) {
  if (whole == 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

// What the report gathers of each workflow.
struct PerWorkflow {
  int64_t runs = 0;
  Ended ended;
  std::vector<int64_t> durations;
};

struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// The workflows by name, found by hash from SQLite's own bytes (no copy per row).
using Workflows = std::unordered_map<std::string, PerWorkflow, TextHash, std::equal_to<>>;

// What the report gathers of the executions, from whole days' summaries and from the rows of the
// range's partial days alike; report() does the arithmetic once both are in.
class Tally {
 public:
  Tally(Report& out, const Range& range) : out_(out) {
    first_day_ = day_of(range.from_ms);
    const int64_t last_day = day_of(range.to_ms - 1);
    out.daily.resize(static_cast<size_t>(std::max<int64_t>(0, last_day - first_day_ + 1)));
    for (size_t i = 0; i < out.daily.size(); ++i) out.daily[i].start_ms = (first_day_ + static_cast<int64_t>(i)) * kDayMs;
  }

  PerWorkflow& workflow(std::string_view name) {
    auto found = workflows_.find(name);
    if (found == workflows_.end()) found = workflows_.emplace(std::string(name), PerWorkflow{}).first;
    return found->second;
  }

  // `n` executions of `w` created on `day` (a UTC day number) now in `status`.
  void count(PerWorkflow& w, int64_t day, InstanceStatus status, int64_t n) {
    out_.executions += n;
    by_status_[static_cast<size_t>(status)] += n;
    w.runs += n;
    const int64_t index = day - first_day_;
    if (index >= 0 && index < static_cast<int64_t>(out_.daily.size())) count_end(out_.daily[static_cast<size_t>(index)].ended, status, n);
    if (count_end(ended_, status, n)) count_end(w.ended, status, n);
  }
  void duration(PerWorkflow& w, int64_t took) { w.durations.push_back(took); }
  void add_duration_sum(int64_t sum) { duration_sum_ += sum; }

  const Workflows& workflows() const { return workflows_; }

  // The totals, rates and the top workflows, once every execution is in.
  void finish(size_t top) {
    for (size_t i = 0; i < by_status_.size(); ++i) out_.by_status[std::string(kInstanceStatusNames[i])] = by_status_[i];
    out_.success_rate = rate(ended_.completed, ended_.total());
    size_t timed = 0;
    for (const auto& [name, w] : workflows_) timed += w.durations.size();
    std::vector<int64_t> all;
    all.reserve(timed);
    for (const auto& [name, w] : workflows_) all.insert(all.end(), w.durations.begin(), w.durations.end());
    if (!all.empty()) out_.average_duration_ms = static_cast<double>(duration_sum_) / static_cast<double>(all.size());
    out_.median_duration_ms = median(all);
    std::vector<std::pair<const std::string*, PerWorkflow*>> ranked;
    for (auto& [name, w] : workflows_)
      if (w.runs > 0) ranked.emplace_back(&name, &w);  // a summary row emptied by retries names none
    // Most runs first; ties by name.
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.second->runs != b.second->runs ? a.second->runs > b.second->runs : *a.first < *b.first;
    });
    if (ranked.size() > top) ranked.resize(top);
    for (auto& [name, w] : ranked)
      out_.top_workflows.push_back({*name, w->runs, rate(w->ended.completed, w->ended.total()), median(w->durations)});
  }

 private:
  Report& out_;
  int64_t first_day_ = 0;
  std::array<int64_t, kInstanceStatusNames.size()> by_status_{};
  Ended ended_;
  int64_t duration_sum_ = 0;
  Workflows workflows_;
};

// The executions created in [from, to) row by row, through `sql` (kInstances or kLive, or their
// forms with a workflow).
bool read_rows(Database& db, std::string_view sql, int64_t org, int64_t from, int64_t to, const std::string& workflow, Tally& tally,
               std::string& error) {
  Query q(db, sql);
  bind_range(*q, org, from, to, workflow);
  while (q->step()) {
    const Statement& s = q.row();
    const auto status = parse<InstanceStatus>(s.column_blob(1));
    if (!status) return error = "an instance has an unknown status", false;
    const int64_t created = s.column_int64(2);
    PerWorkflow& w = tally.workflow(s.column_blob(0));
    tally.count(w, day_of(created), *status, 1);
    if (!is_terminal(*status) || s.column_is_null(4)) continue;
    const int64_t began = s.column_is_null(3) ? created : s.column_int64(3);
    const int64_t took = std::max<int64_t>(0, s.column_int64(4) - began);
    tally.duration(w, took);
    tally.add_duration_sum(took);
  }
  return finished(q, error);
}

// The status an entry of the summary writes as one letter.
std::optional<InstanceStatus> ended_status(char letter) {
  switch (letter) {
    case 'c': return InstanceStatus::Completed;
    case 'f': return InstanceStatus::Failed;
    case 'x': return InstanceStatus::Cancelled;
    case 't': return InstanceStatus::Timeout;
    default: return std::nullopt;
  }
}

// Counts the ended executions of a summary row, its text ";n:s:ms;n:s:ms;...;" (ms empty for one
// without an end time); false when the text is not that.
bool read_ends(std::string_view entries, int64_t day, PerWorkflow& w, Tally& tally) {
  size_t at = 0;
  while (at + 1 < entries.size()) {
    const size_t first = entries.find(':', at);
    const size_t end = entries.find(';', at + 1);
    if (entries[at] != ';' || first == std::string_view::npos || end == std::string_view::npos || first + 3 > end ||
        entries[first + 2] != ':')
      return false;
    const std::optional<InstanceStatus> status = ended_status(entries[first + 1]);
    if (!status) return false;
    tally.count(w, day, *status, 1);
    if (first + 3 < end) {
      int64_t took = 0;
      const auto [rest, failure] = std::from_chars(entries.data() + first + 3, entries.data() + end, took);
      if (failure != std::errc() || rest != entries.data() + end) return false;
      tally.duration(w, took);
      tally.add_duration_sum(took);
    }
    at = end;
  }
  return true;
}

// The executions created on the UTC days [first_day, end_day): the ended ones from the summary,
// the live ones row by row.
bool read_days(Database& db, int64_t org, int64_t first_day, int64_t end_day, const std::string& workflow, Tally& tally,
               std::string& error) {
  {
    Query q(db, workflow.empty() ? kDayEnds : kDayEndsOfWorkflow);
    bind_range(*q, org, first_day, end_day, workflow);
    while (q->step()) {
      const Statement& s = q.row();
      if (!read_ends(s.column_blob(2), s.column_int64(0), tally.workflow(s.column_blob(1)), tally))
        return error = "the summary of ended executions has an entry it cannot read", false;
    }
    if (!finished(q, error)) return false;
  }
  return read_rows(db, workflow.empty() ? kLive : kLiveOfWorkflow, org, first_day * kDayMs, end_day * kDayMs, workflow, tally, error);
}

// The range's executions: its whole UTC days from the summary, the parts of days at its ends row
// by row.
bool read_executions(Database& db, int64_t org, const Range& range, Tally& tally, std::string& error) {
  const int64_t first_whole = day_of(range.from_ms + kDayMs - 1), end_whole = day_of(range.to_ms);
  const std::string_view rows = range.workflow.empty() ? kInstances : kInstancesOfWorkflow;
  if (first_whole >= end_whole) return read_rows(db, rows, org, range.from_ms, range.to_ms, range.workflow, tally, error);
  return read_rows(db, rows, org, range.from_ms, first_whole * kDayMs, range.workflow, tally, error) &&
         read_days(db, org, first_whole, end_whole, range.workflow, tally, error) &&
         read_rows(db, rows, org, end_whole * kDayMs, range.to_ms, range.workflow, tally, error);
}

bool read_active(Database& db, int64_t org, const Workflows& workflows, Report& out, std::string& error) {
  Query q(db, kActiveDefinitions);
  q->bind(1, org);
  while (q->step()) {
    auto w = workflows.find(q->column_text(0));
    if (w != workflows.end() && w->second.runs > 0) ++out.active_workflows;
  }
  return finished(q, error);
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

bool read_notifications(Database& db, int64_t org, const Range& range, Report& out, std::string& error) {
  Query q(db, range.workflow.empty() ? kNotifications : kNotificationsOfWorkflow);
  bind_range(*q, org, range);
  while (q->step()) {
    const auto status = parse<NotificationStatus>(q->column_text(0));
    if (!status) return error = "a notification has an unknown status", false;
    const int64_t n = q->column_int64(1);
    out.notifications.count += n;
    if (*status == NotificationStatus::Delivered) out.notifications.delivered += n;
    if (*status == NotificationStatus::Dead) out.notifications.dead_lettered += n;
  }
  return finished(q, error);
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
  Tally tally(out, range);
  std::string error;
  if (!read_executions(db, org, range, tally, error) || !read_active(db, org, tally.workflows(), out, error) ||
      !read_agents(db, org, range, out, error) || !read_approvals(db, org, range, out, error) ||
      !read_notifications(db, org, range, out, error))
    return Result<Report>::failure(error);
  tally.finish(top);
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
      {"day ends", with_workflow ? kDayEndsOfWorkflow : kDayEnds, ranged},
      {"live", with_workflow ? kLiveOfWorkflow : kLive, ranged},
      {"definitions", kActiveDefinitions, 1},
      {"agents", with_workflow ? kAgentsOfWorkflow : kAgents, ranged},
      {"approvals", with_workflow ? kApprovalsOfWorkflow : kApprovals, ranged},
      {"notifications", with_workflow ? kNotificationsOfWorkflow : kNotifications, ranged},
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

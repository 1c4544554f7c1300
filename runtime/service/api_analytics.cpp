// `GET /analytics?from=&to=&workflow=` (docs/api.md, "Analytics"): how an organization's
// automation performed over a range — executions, success rate, durations, a daily trend, the
// busiest workflows, agents' utilization, approvals and notifications — from store/analytics.
#include <fmt/format.h>

#include "effects/clock.h"
#include "runtime/service/request_fields.h"
#include "runtime/service/routes.h"
#include "runtime/service/views.h"
#include "runtime/store/analytics.h"

namespace wf::service {

namespace {

// The longest range a report covers: a year and a day, so its daily trend stays a list to read.
constexpr int64_t kLongestRangeDays = 366;
constexpr int64_t kDefaultRangeDays = 7;

nlohmann::json optional_number(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

nlohmann::json ended_json(const store::analytics::Ended& e) {
  return {{"completed", e.completed}, {"failed", e.failed}, {"cancelled", e.cancelled}, {"timeout", e.timeout}};
}

nlohmann::json report_json(const store::analytics::Report& report, const store::analytics::Range& range) {
  nlohmann::json daily = nlohmann::json::array();
  for (const auto& day : report.daily) {
    nlohmann::json d = ended_json(day.ended);
    d["day"] = time_json(day.start_ms).get<std::string>().substr(0, 10);
    daily.push_back(std::move(d));
  }
  nlohmann::json top = nlohmann::json::array();
  for (const auto& w : report.top_workflows)
    top.push_back({{"workflow", w.workflow},
                   {"runs", w.runs},
                   {"success_rate", optional_number(w.success_rate)},
                   {"median_duration_ms", optional_number(w.median_duration_ms)}});
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& a : report.agents) agents.push_back({{"agent_id", a.agent_id}, {"hostname", a.hostname}, {"jobs", a.jobs}, {"busy_ms", a.busy_ms}});
  return {{"from", time_json(range.from_ms)},
          {"to", time_json(range.to_ms)},
          {"workflow", range.workflow.empty() ? nlohmann::json(nullptr) : nlohmann::json(range.workflow)},
          {"executions", report.executions},
          {"success_rate", optional_number(report.success_rate)},
          {"average_duration_ms", optional_number(report.average_duration_ms)},
          {"median_duration_ms", optional_number(report.median_duration_ms)},
          {"by_status", report.by_status},
          {"active_workflows", report.active_workflows},
          {"daily", std::move(daily)},
          {"top_workflows", std::move(top)},
          {"agents", std::move(agents)},
          {"approvals",
           {{"count", report.approvals.count},
            {"median_decision_ms", optional_number(report.approvals.median_decision_ms)},
            {"expired_share", optional_number(report.approvals.expired_share)}}},
          {"notifications",
           {{"count", report.notifications.count},
            {"delivered", report.notifications.delivered},
            {"dead_lettered", report.notifications.dead_lettered}}}};
}

}  // namespace

void analytics(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  std::optional<int64_t> from, to;
  if (!time_param(r, *x, "from", from) || !time_param(r, *x, "to", to)) return;
  store::analytics::Range range;
  // Without `to`, the range ends after the current millisecond: an instance started in the same
  // millisecond as the request is one of "the last 7 days" too.
  range.to_ms = to.value_or(effects::wall_clock_ms() + 1);
  range.from_ms = from.value_or(range.to_ms - kDefaultRangeDays * store::analytics::kDayMs);
  range.workflow = r.query_param("workflow").value_or("");
  if (range.from_ms >= range.to_ms) return reply_error(*x, 400, "bad_request", "`from` must be before `to`");
  if (range.to_ms - range.from_ms > kLongestRangeDays * store::analytics::kDayMs)
    return reply_error(*x, 400, "bad_request", fmt::format("a range covers at most {} days", kLongestRangeDays));
  auto report = store::analytics::report(c.reads->connection(), who.org_id, range);
  if (!read_ok(*x, report)) return;
  reply_json(*x, 200, report_json(*report, range));
}

}  // namespace wf::service

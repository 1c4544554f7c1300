// The run counters of /metrics (see run_metrics.h).
#include "runtime/service/run_metrics.h"

#include <algorithm>

#include "runtime/store/changes.h"
#include "runtime/store/statuses.h"

namespace wf::service {

namespace {

const std::string kOther = "other";

}  // namespace

const std::string& RunMetrics::workflow_label(const std::string& workflow) {
  if (auto it = workflows_.find(workflow); it != workflows_.end()) return *it;
  if (workflows_.size() >= kMostWorkflows) return kOther;
  return *workflows_.insert(workflow).first;
}

void RunMetrics::released(const store::Changes& ch) {
  const auto instances = store::last_of_each(ch.instances, [](const store::InstanceRow& r) { return r.id; });
  // The unit that creates an instance says so with an event, and holds its row.
  for (const store::EventRow& e : ch.events) {
    if (e.type != "instance.created" || !e.instance_id) continue;
    const auto it = std::find_if(instances.begin(), instances.end(), [&](const store::InstanceRow* r) { return r->id == *e.instance_id; });
    if (it != instances.end()) ++created_[{workflow_label((*it)->workflow), std::string(name((*it)->trigger))}];
  }
  for (const store::InstanceRow* r : instances)
    if (store::is_terminal(r->status)) ++ended_[{workflow_label(r->workflow), std::string(name(r->status))}];
  for (const store::JobRow* j : store::last_of_each(ch.jobs, [](const store::JobRow& j) { return j.id; })) {
    if (!store::has_ended(j->status)) continue;
    ++jobs_ended_[std::string(name(j->status))];
    if (j->duration_ms) job_seconds_.observe(static_cast<double>(*j->duration_ms) / 1000.0);
  }
  for (const store::StepRow& step : ch.steps) {
    if (!step.ended_at) continue;
    auto it = step_seconds_.try_emplace(step.kind, kStepBuckets).first;
    it->second.observe(static_cast<double>(*step.ended_at - step.started_at) / 1000.0);
  }
}

void RunMetrics::render(Exposition& out) const {
  out.family("wf_instances_created_total", "counter", "Instances created, by workflow and trigger.");
  for (const auto& [key, n] : created_) out.sample("wf_instances_created_total", {{"workflow", key.first}, {"trigger", key.second}}, static_cast<double>(n));
  out.family("wf_instances_ended_total", "counter", "Instances that ended, by workflow and status.");
  for (const auto& [key, n] : ended_) out.sample("wf_instances_ended_total", {{"workflow", key.first}, {"status", key.second}}, static_cast<double>(n));
  out.family("wf_jobs_ended_total", "counter", "Jobs that ended, by status.");
  for (const auto& [status, n] : jobs_ended_) out.sample("wf_jobs_ended_total", {{"status", status}}, static_cast<double>(n));
  out.family("wf_job_duration_seconds", "histogram", "How long ended jobs ran, as their agents timed them.");
  job_seconds_.render(out, "wf_job_duration_seconds", {});
  out.family("wf_step_duration_seconds", "histogram", "How long ended steps took, by kind of step.");
  for (const auto& [kind, histogram] : step_seconds_) histogram.render(out, "wf_step_duration_seconds", {{"kind", kind}});
}

}  // namespace wf::service

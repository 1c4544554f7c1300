// What /metrics counts of the runs themselves, from the units the engine commits (a post-commit
// outbox, so a unit that did not commit is never counted): instances created by workflow and
// trigger, instances ended by workflow and status, jobs ended by status and their durations, steps'
// durations by kind. The
// workflow label is bounded: past kMostWorkflows names, the rest count under "other".
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "runtime/engine/engine.h"
#include "runtime/service/exposition.h"
#include "runtime/service/histogram.h"

namespace wf::service {

class RunMetrics final : public engine::PostCommit {
 public:
  static constexpr size_t kMostWorkflows = 200;
  // Upper bounds of the job-duration buckets, in seconds.
  static constexpr std::array<double, 12> kJobBuckets = {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
  // Upper bounds of the step-duration buckets, in seconds (a step may wait for a person for days).
  static constexpr std::array<double, 14> kStepBuckets = {0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 86400};

  void released(const store::Changes& committed) override;
  void render(Exposition& out) const;

 private:
  const std::string& workflow_label(const std::string& workflow);
  std::set<std::string> workflows_;
  std::map<std::pair<std::string, std::string>, uint64_t> created_;  // (workflow, trigger)
  std::map<std::pair<std::string, std::string>, uint64_t> ended_;    // (workflow, status)
  std::map<std::string, uint64_t> jobs_ended_;                       // status
  Histogram job_seconds_{kJobBuckets};
  std::map<std::string, Histogram> step_seconds_;  // by step kind (run, approve, wait, ...): a bounded set
};

}  // namespace wf::service

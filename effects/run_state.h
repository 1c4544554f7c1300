// The logic of one `run` effect (SPEC §1.6), independent of how jobs reach hosts: which hosts get
// a job and when (canary batch first, then the rest), which failures are retried (only those
// that can pass: a non-zero exit, a timeout, a lost agent; never config, permission, not_found)
// after what delay (`every` times `backoff` to the power of the retry), and the outcome: Results,
// or an Error of kind job_failed or canary_failed. `wf run` and the service drive it alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "effects/records.h"
#include "effects/workflow_policy.h"
#include "vm/value.h"

namespace wf::effects {

class RunState {
 public:
  // `args` is the run effect's argument record; `canary` the workflow's @canary policy, used
  // when the run has the `canary` clause.
  RunState(const vm::Value& args, std::optional<CanaryPolicy> canary);

  size_t host_count() const { return hosts_.size(); }
  const vm::Value& host(size_t i) const { return hosts_[i]; }
  int64_t attempt(size_t i) const { return attempts_[i]; }

  // The hosts to dispatch a job to now (their first dispatch).
  std::vector<size_t> start();
  // A host's job ended. `retryable` says whether this kind of failure can pass on a retry.
  void record(size_t i, JobOutcomeRecord outcome, bool retryable);

  struct Next {
    enum class Kind { Nothing, Dispatch, Done } kind = Kind::Nothing;
    std::vector<size_t> hosts;  // Dispatch: after `delay_ms`
    int64_t delay_ms = 0;
    vm::Value value;            // Done: Results, or the Error record when `failed`
    bool failed = false;
  };
  // Once every dispatched job has been recorded: the next round, or the outcome.
  Next next();

 private:
  vm::Value finish(const std::vector<size_t>& hosts);
  std::vector<vm::Value> hosts_;
  std::vector<JobOutcomeRecord> outcomes_;
  std::vector<int64_t> attempts_;
  std::vector<bool> retryable_;
  std::vector<bool> pending_;
  std::vector<size_t> batch_;  // the hosts of the current phase
  bool canary_phase_ = false;
  std::optional<CanaryPolicy> canary_;
  int64_t retries_ = 0, every_ms_ = 0, retry_round_ = 0;
  double backoff_ = 1.0;
  bool allow_failure_ = false;
};

}  // namespace wf::effects

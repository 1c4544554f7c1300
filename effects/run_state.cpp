// The run effect's state machine (see run_state.h).
#include "effects/run_state.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "vm/render.h"

namespace wf::effects {

using stdlib::ErrorKind;
using vm::Value;

RunState::RunState(const Value& args, std::optional<CanaryPolicy> canary) {
  const Value& on = field(args, "on");
  if (on.tag == vm::Tag::List) hosts_ = vm::as_list(on);
  outcomes_.resize(hosts_.size());
  attempts_.assign(hosts_.size(), 0);
  retryable_.assign(hosts_.size(), false);
  pending_.assign(hosts_.size(), false);
  retries_ = field_int(args, "retry");
  every_ms_ = field_int(args, "every");
  const Value& backoff = field(args, "backoff");
  if (backoff.tag == vm::Tag::Float) backoff_ = backoff.f;
  if (backoff.tag == vm::Tag::Int) backoff_ = static_cast<double>(backoff.i);
  allow_failure_ = field_bool(args, "allow_failure");
  if (field_bool(args, "canary") && canary && canary->percent > 0) canary_ = canary;
}

std::vector<size_t> RunState::start() {
  size_t first = hosts_.size();
  if (canary_) {
    // ceil(percent × hosts) first, at least one (SPEC §1.6).
    first = static_cast<size_t>(std::ceil(canary_->percent / 100.0 * static_cast<double>(hosts_.size())));
    first = std::max<size_t>(1, std::min(first, hosts_.size()));
    canary_phase_ = first < hosts_.size();
  }
  batch_.clear();
  for (size_t i = 0; i < first; ++i) batch_.push_back(i);
  for (size_t i : batch_) {
    pending_[i] = true;
    attempts_[i] = 1;
  }
  return batch_;
}

void RunState::record(size_t i, JobOutcomeRecord outcome, bool retryable) {
  if (i >= hosts_.size()) return;
  outcome.attempts = attempts_[i];
  outcomes_[i] = std::move(outcome);
  retryable_[i] = retryable;
  pending_[i] = false;
}

Value RunState::finish(const std::vector<size_t>& hosts) {
  std::vector<JobOutcomeRecord> in_order;
  for (size_t i : hosts) in_order.push_back(outcomes_[i]);
  return make_results(in_order);
}

RunState::Next RunState::next() {
  Next n;
  for (size_t i : batch_)
    if (pending_[i]) return n;  // still waiting for jobs of this round
  // Retry the hosts whose failure may pass, while retries remain.
  std::vector<size_t> again;
  for (size_t i : batch_)
    if (outcomes_[i].status != "completed" && retryable_[i] && attempts_[i] <= retries_) again.push_back(i);
  if (!again.empty()) {
    n.kind = Next::Kind::Dispatch;
    n.hosts = again;
    n.delay_ms = static_cast<int64_t>(static_cast<double>(every_ms_) * std::pow(backoff_, static_cast<double>(retry_round_)));
    ++retry_round_;
    for (size_t i : again) {
      pending_[i] = true;
      ++attempts_[i];
    }
    return n;
  }
  if (canary_phase_) {
    canary_phase_ = false;
    size_t ok = 0;
    for (size_t i : batch_) ok += outcomes_[i].status == "completed";
    const double rate = 100.0 * static_cast<double>(ok) / static_cast<double>(batch_.size());
    if (rate < canary_->threshold) {
      n.kind = Next::Kind::Done;
      n.failed = true;
      n.value = make_error(ErrorKind::CanaryFailed,
                           fmt::format("canary failed: {} of {} hosts succeeded ({:.0f}%, needed {:.0f}%)", ok,
                                       batch_.size(), rate, canary_->threshold),
                           vm::from_json(vm::to_json(finish(batch_))));
      return n;
    }
    const size_t done = batch_.size();
    batch_.clear();
    for (size_t i = done; i < hosts_.size(); ++i) {
      batch_.push_back(i);
      pending_[i] = true;
      attempts_[i] = 1;
    }
    retry_round_ = 0;
    n.kind = Next::Kind::Dispatch;
    n.hosts = batch_;
    return n;
  }
  std::vector<size_t> all;
  for (size_t i = 0; i < hosts_.size(); ++i) all.push_back(i);
  Value results = finish(all);
  n.kind = Next::Kind::Done;
  std::vector<std::string> failed;
  for (size_t i : all)
    if (outcomes_[i].status != "completed")
      failed.push_back(fmt::format("{} ({})", outcomes_[i].host,
                                   outcomes_[i].status == "failed" ? fmt::format("exit {}", outcomes_[i].exit_code)
                                                                   : outcomes_[i].status));
  if (failed.empty() || allow_failure_) {
    n.value = std::move(results);
    return n;
  }
  n.failed = true;
  n.value = make_error(ErrorKind::JobFailed,
                       fmt::format("job failed on {} of {} hosts: {}", failed.size(), hosts_.size(), fmt::join(failed, ", ")),
                       vm::from_json(vm::to_json(results)));
  return n;
}

}  // namespace wf::effects

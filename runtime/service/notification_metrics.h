// What /metrics says of notifications, from the attempts the delivery commits (a post-commit
// outbox, so an attempt whose record was not stored is not counted): attempts by the channel's
// kind and their outcome (store/statuses.h's attempt outcomes: delivered, failed — to be tried
// again — and dead), each attempt's duration by kind, and the notifications not yet delivered.
// Both labels are bounded: the kinds `notify` knows (anything else is "unknown") and the outcomes.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>

#include "runtime/engine/engine.h"
#include "runtime/service/exposition.h"
#include "runtime/service/histogram.h"

namespace wf::service {

class NotificationMetrics final : public engine::PostCommit {
 public:
  // Upper bounds of the attempt-duration buckets, in seconds (an attempt times out at 15 s).
  static constexpr std::array<double, 11> kAttemptBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15};

  void released(const store::Changes& committed) override;
  // `pending`: the notifications the delivery holds, not yet delivered nor dead-lettered.
  void render(Exposition& out, size_t pending) const;

 private:
  std::map<std::pair<std::string_view, std::string_view>, uint64_t> attempts_;  // (kind, outcome): static names
  std::map<std::string_view, Histogram> seconds_;                                // by kind
};

}  // namespace wf::service

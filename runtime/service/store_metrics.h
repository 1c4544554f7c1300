// What /metrics says of the store's writer: how long each batch's transaction took and how many
// units it committed (histograms fed from the writer's thread, read on the loop's), beside the
// writer's own counters and queue.
#pragma once

#include <array>
#include <mutex>

#include "runtime/service/exposition.h"
#include "runtime/service/histogram.h"
#include "runtime/store/writer.h"

namespace wf::service {

class StoreMetrics {
 public:
  // Upper bounds of the commit-latency buckets, in seconds (an fsync is a millisecond or a few).
  static constexpr std::array<double, 11> kCommitBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
  // Upper bounds of the batch-size buckets, in units (Writer::Options::max_batch is 1000).
  static constexpr std::array<double, 9> kBatchBuckets = {1, 2, 5, 10, 20, 50, 100, 500, 1000};

  // A batch committed (Writer::Options::on_commit): any thread.
  void committed(double seconds, size_t units);
  // The writer's families: commits, units, queue, commit latency and batch size.
  void render(Exposition& out, store::Writer& writer) const;

 private:
  mutable std::mutex mutex_;  // the writer's thread observes while the loop's renders
  Histogram commit_seconds_{kCommitBuckets};
  Histogram batch_units_{kBatchBuckets};
};

}  // namespace wf::service

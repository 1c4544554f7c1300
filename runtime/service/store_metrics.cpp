// The store writer's figures for /metrics (see store_metrics.h).
#include "runtime/service/store_metrics.h"

namespace wf::service {

void StoreMetrics::committed(double seconds, size_t units) {
  std::lock_guard lock(mutex_);
  commit_seconds_.observe(seconds);
  batch_units_.observe(static_cast<double>(units));
}

void StoreMetrics::render(Exposition& out, store::Writer& writer) const {
  out.family("wf_store_commits_total", "counter", "Transactions the store's writer has committed since the service started.");
  out.sample("wf_store_commits_total", static_cast<double>(writer.commits()));
  out.family("wf_store_units_total", "counter",
             "Units of work the store's writer has committed since the service started (a transaction holds several).");
  out.sample("wf_store_units_total", static_cast<double>(writer.units()));
  out.family("wf_store_writer_queue", "gauge", "Units of work waiting for the store's writer.");
  out.sample("wf_store_writer_queue", static_cast<double>(writer.queued()));
  std::lock_guard lock(mutex_);
  out.family("wf_store_commit_duration_seconds", "histogram",
             "How long a batch's transaction took, BEGIN to COMMIT with its fsync.");
  commit_seconds_.render(out, "wf_store_commit_duration_seconds", {});
  out.family("wf_store_commit_batch_units", "histogram", "Units of work each committed transaction held (group commit).");
  batch_units_.render(out, "wf_store_commit_batch_units", {});
}

}  // namespace wf::service

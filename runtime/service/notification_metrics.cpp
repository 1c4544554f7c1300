// The notification figures of /metrics (see notification_metrics.h).
#include "runtime/service/notification_metrics.h"

#include "runtime/store/changes.h"
#include "vm/render.h"

namespace wf::service {

namespace {

// The kind of a channel as `notify` writes it (`webhook:NAME`, `email:ADDR`, ...), a static name.
std::string_view kind_of(std::string_view channel) {
  const std::string_view kind = channel.substr(0, channel.find(':'));
  for (const std::string_view known : {vm::kChannelWebhook, vm::kChannelSlack, vm::kChannelEmail, vm::kChannelPagerDuty})
    if (kind == known) return known;
  return "unknown";
}

}  // namespace

void NotificationMetrics::released(const store::Changes& ch) {
  if (ch.notification_attempts.empty()) return;
  for (const store::NotificationAttemptRow& a : ch.notification_attempts) {
    // The delivery commits each attempt beside its notification's new row, which names the channel.
    std::string_view kind = "unknown";
    for (const store::NotificationRow& n : ch.notifications)
      if (n.id == a.notification_id) kind = kind_of(n.channel);
    ++attempts_[{kind, store::name(a.outcome)}];
    seconds_.try_emplace(kind, kAttemptBuckets).first->second.observe(static_cast<double>(a.duration_ms) / 1000.0);
  }
}

void NotificationMetrics::render(Exposition& out, size_t pending) const {
  out.family("wf_notifications_total", "counter",
             "Notification attempts, by channel kind and outcome: delivered, failed (to be tried again) or dead (dead-lettered).");
  for (const auto& [key, n] : attempts_)
    out.sample("wf_notifications_total", {{"kind", key.first}, {"outcome", key.second}}, static_cast<double>(n));
  out.family("wf_notification_attempt_duration_seconds", "histogram", "How long each notification attempt took, by channel kind.");
  for (const auto& [kind, histogram] : seconds_) histogram.render(out, "wf_notification_attempt_duration_seconds", {{"kind", kind}});
  out.family("wf_notifications_pending", "gauge", "Notifications neither delivered nor dead-lettered yet (waiting or being sent).");
  out.sample("wf_notifications_pending", static_cast<double>(pending));
}

}  // namespace wf::service

// The service's statuses, each in one table (SPEC §4.1–§4.3): an enum and the name it has in the
// store, the API and the CLI. The store writes and reads the names, the engine works with the
// enums, the API and the CLI take their lists of accepted names from here. Header-only, so the
// CLI's client part reads it without linking the store.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wf::store {

// Instance statuses (SPEC §4.1); the last four are terminal.
#define WF_INSTANCE_STATUSES(X) \
  X(Queued, "queued")           \
  X(Running, "running")         \
  X(Paused, "paused")           \
  X(Completed, "completed")     \
  X(Failed, "failed")           \
  X(Cancelled, "cancelled")     \
  X(Timeout, "timeout")

// Why a paused instance is paused (SPEC §4.1).
#define WF_PAUSE_REASONS(X)      \
  X(Approval, "approval")        \
  X(Delay, "delay")              \
  X(PamApproval, "pam_approval") \
  X(RetryDelay, "retry_delay")   \
  X(Operator, "operator")        \
  X(KillSwitch, "kill_switch")

// Job statuses (SPEC §4.2), with the executor's two outcomes that are not the job's fault:
// `config` (it could not be made or started) and `internal`.
#define WF_JOB_STATUSES(X)    \
  X(Queued, "queued")         \
  X(Dispatched, "dispatched") \
  X(Running, "running")       \
  X(Completed, "completed")   \
  X(Failed, "failed")         \
  X(Timeout, "timeout")       \
  X(Cancelled, "cancelled")   \
  X(Config, "config")         \
  X(Internal, "internal")

// Approval request statuses (SPEC §4.3).
#define WF_APPROVAL_STATUSES(X) \
  X(Pending, "pending")         \
  X(Approved, "approved")       \
  X(Rejected, "rejected")       \
  X(Expired, "expired")         \
  X(Cancelled, "cancelled")

// What started an instance (SPEC §4.1).
#define WF_TRIGGERS(X)      \
  X(Manual, "manual")       \
  X(Schedule, "schedule")   \
  X(Webhook, "webhook")     \
  X(Alert, "alert")         \
  X(Api, "api")             \
  X(Child, "child")         \
  X(Retry, "retry")

// Job priorities (SPEC §1.6 `priority`), lowest first: the enum's value is the rank a queue
// orders by (higher first).
#define WF_JOB_PRIORITIES(X) \
  X(Low, "low")              \
  X(Normal, "normal")        \
  X(High, "high")            \
  X(Critical, "critical")

// Who made a request the audit log records (SPEC §4.7): a user through one of its tokens, an
// agent, or a caller without a known token.
#define WF_ACTOR_KINDS(X) \
  X(User, "user")         \
  X(Agent, "agent")       \
  X(Anonymous, "anonymous")

// How a request the audit log records was answered: 2xx/3xx, 401/403, anything else.
#define WF_AUDIT_OUTCOMES(X) \
  X(Ok, "ok")                \
  X(Denied, "denied")        \
  X(Error, "error")

// What a hook delivers to (docs/operations.md "Hooks"): it starts a workflow, delivers an event to
// a waiting instance, or starts a workflow per firing alert of an Alertmanager payload.
#define WF_HOOK_TARGETS(X) \
  X(Start, "start")        \
  X(Event, "event")        \
  X(Alert, "alert")

// How a hook's sender proves it is the sender: an HMAC signature, or a bearer token.
#define WF_HOOK_AUTHS(X) \
  X(Hmac, "hmac")        \
  X(Bearer, "bearer")

// What became of one delivery to a hook.
#define WF_HOOK_OUTCOMES(X)     \
  X(Started, "started")         \
  X(Delivered, "delivered")     \
  X(Suppressed, "suppressed")   \
  X(Rejected, "rejected")       \
  X(Duplicate, "duplicate")     \
  X(Failed, "failed")

// What became of one attempt to deliver a notification: delivered, failed (to be tried again), or
// dead (dead-lettered: a permanent failure or the last attempt of its schedule).
#define WF_ATTEMPT_OUTCOMES(X) \
  X(Delivered, "delivered")    \
  X(Failed, "failed")          \
  X(Dead, "dead")

// A notification's delivery (SPEC §4.9): waiting for its next attempt, delivered, or dead-lettered
// (a permanent failure or the last attempt of its schedule failed).
#define WF_NOTIFICATION_STATUSES(X) \
  X(Pending, "pending")             \
  X(Delivered, "delivered")         \
  X(Dead, "dead")

// The kinds of an organization's notification channels: a named webhook endpoint, the Slack
// incoming webhook, the SMTP relay email goes through, a named PagerDuty service.
#define WF_CHANNEL_KINDS(X) \
  X(Webhook, "webhook")     \
  X(Slack, "slack")         \
  X(Smtp, "smtp")           \
  X(Pagerduty, "pagerduty")
// What a schedule does with a tick while the run its previous tick started is still going (SPEC
// §4.5): skip it (counted), start it anyway, or let one tick wait for the running one to end.
#define WF_OVERLAP_POLICIES(X) \
  X(Skip, "skip")              \
  X(Allow, "allow")            \
  X(BufferOne, "buffer_one")

// What became of one tick of a schedule: it started an instance or jobs, it was skipped by the
// overlap policy, it fell outside the catch-up window while the service was down, the kill switch
// suppressed it, or its start could not be made (an unknown host, a deleted definition).
#define WF_TICK_OUTCOMES(X)    \
  X(Started, "started")        \
  X(Skipped, "skipped")        \
  X(Missed, "missed")          \
  X(Suppressed, "suppressed")  \
  X(Failed, "failed")

// Where a schedule comes from: a published workflow's `@schedule`, or the API and CLI.
#define WF_SCHEDULE_SOURCES(X) \
  X(Annotation, "annotation")  \
  X(Api, "api")

#define WF_STATUS_ENUM(name, text) name,
#define WF_STATUS_NAME(name, text) std::string_view(text),
#define WF_STATUS_TABLE(Enum, LIST)                                                   \
  enum class Enum { LIST(WF_STATUS_ENUM) };                                           \
  inline constexpr std::array k##Enum##Names = {LIST(WF_STATUS_NAME)};                \
  inline constexpr std::string_view name(Enum v) { return k##Enum##Names[static_cast<size_t>(v)]; } \
  inline constexpr const auto& names(Enum) { return k##Enum##Names; }

WF_STATUS_TABLE(InstanceStatus, WF_INSTANCE_STATUSES)
WF_STATUS_TABLE(PauseReason, WF_PAUSE_REASONS)
WF_STATUS_TABLE(JobStatus, WF_JOB_STATUSES)
WF_STATUS_TABLE(ApprovalStatus, WF_APPROVAL_STATUSES)
WF_STATUS_TABLE(Trigger, WF_TRIGGERS)
WF_STATUS_TABLE(JobPriority, WF_JOB_PRIORITIES)
WF_STATUS_TABLE(ActorKind, WF_ACTOR_KINDS)
WF_STATUS_TABLE(AuditOutcome, WF_AUDIT_OUTCOMES)
WF_STATUS_TABLE(HookTarget, WF_HOOK_TARGETS)
WF_STATUS_TABLE(HookAuth, WF_HOOK_AUTHS)
WF_STATUS_TABLE(HookOutcome, WF_HOOK_OUTCOMES)
WF_STATUS_TABLE(NotificationStatus, WF_NOTIFICATION_STATUSES)
WF_STATUS_TABLE(AttemptOutcome, WF_ATTEMPT_OUTCOMES)
WF_STATUS_TABLE(ChannelKind, WF_CHANNEL_KINDS)
WF_STATUS_TABLE(OverlapPolicy, WF_OVERLAP_POLICIES)
WF_STATUS_TABLE(TickOutcome, WF_TICK_OUTCOMES)
WF_STATUS_TABLE(ScheduleSource, WF_SCHEDULE_SOURCES)

#undef WF_STATUS_TABLE
#undef WF_STATUS_NAME
#undef WF_STATUS_ENUM

// The value named `text`, or nullopt.
template <class Enum>
constexpr std::optional<Enum> parse(std::string_view text) {
  const auto& all = names(Enum{});
  for (size_t k = 0; k < all.size(); ++k)
    if (all[k] == text) return static_cast<Enum>(k);
  return std::nullopt;
}

// "a, b or c": the accepted names, for an error message.
template <class Enum>
std::string name_list() {
  const auto& all = names(Enum{});
  std::string out;
  for (size_t k = 0; k < all.size(); ++k) {
    if (k) out += k + 1 == all.size() ? " or " : ", ";
    out += all[k];
  }
  return out;
}

constexpr bool is_terminal(InstanceStatus s) {
  return s == InstanceStatus::Completed || s == InstanceStatus::Failed || s == InstanceStatus::Cancelled ||
         s == InstanceStatus::Timeout;
}

constexpr bool has_ended(JobStatus s) {
  return s != JobStatus::Queued && s != JobStatus::Dispatched && s != JobStatus::Running;
}

}  // namespace wf::store

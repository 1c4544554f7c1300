// The notifications of the store (SPEC §4.9): the channels an organization configures, the
// notification rows a `notify` writes with its transition (one per channel), every delivery
// attempt (append-only), and an organization's retry schedule.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/page.h"
#include "runtime/store/query.h"
#include "runtime/store/statuses.h"

namespace wf::store {

struct NotificationRow {
  int64_t id = 0, org_id = 0;
  std::optional<int64_t> instance_id;
  std::string workflow, step;
  std::string channel;  // as `notify` renders it: `webhook:NAME`, `slack:#c`, `email:ADDR`, `pagerduty:NAME`
  std::string message;
  int64_t created_at = 0;
  NotificationStatus status = NotificationStatus::Pending;
  int64_t attempts = 0;        // every attempt ever made
  int64_t round_attempts = 0;  // attempts since it was created or last replayed: its place in the schedule
  std::optional<int64_t> next_attempt_at, ended_at;
  std::string last_error;
};

struct NotificationAttemptRow {
  int64_t notification_id = 0, at = 0, duration_ms = 0;
  int64_t code = 0;     // the HTTP status or the SMTP reply; 0 when none came
  AttemptOutcome outcome = AttemptOutcome::Failed;
  std::string error;
};

struct ChannelRow {
  ChannelKind kind = ChannelKind::Webhook;
  std::string name;
  std::string config;  // JSON object
  int64_t created_at = 0;
};

// A line of an instance's execution log written after the instance has ended (a notification's
// delivery): its sequence number is the next one the store has for the instance.
struct LateLogRow {
  int64_t instance_id = 0, at = 0;
  std::string kind, message;
};

}  // namespace wf::store

namespace wf::store::notifications {

Result<int64_t> max_id(Database& db);
// Every pending notification, oldest first (what the delivery picks up on start).
Result<std::vector<NotificationRow>> pending(Database& db);
// A page of `org`'s notifications, newest first, of one status and one instance when given.
Result<Page<NotificationRow>> list(Database& db, int64_t org, std::optional<NotificationStatus> status,
                                   std::optional<int64_t> instance, const Paging& page);
Result<std::optional<NotificationRow>> find(Database& db, int64_t org, int64_t id);
Result<std::vector<NotificationAttemptRow>> attempts(Database& db, int64_t id);
// The attempts of each of `ids` (a page of notifications) in one statement, by notification, each
// notification's in the order they were made.
Result<std::map<int64_t, std::vector<NotificationAttemptRow>>> attempts_of(Database& db, const std::vector<int64_t>& ids);
// `org`'s dead letters that ended at or after `since`.
Result<std::vector<NotificationRow>> dead_since(Database& db, int64_t org, int64_t since);

Result<std::vector<ChannelRow>> channels(Database& db, int64_t org);
Result<std::optional<ChannelRow>> channel(Database& db, int64_t org, ChannelKind kind, std::string_view name);
bool put_channel(Database& db, int64_t org, const ChannelRow& row, std::string& error);
bool remove_channel(Database& db, int64_t org, ChannelKind kind, std::string_view name, std::string& error);

// The organization's retry schedule (JSON array of delays in ms), "" when it has none.
Result<std::string> retry_schedule(Database& db, int64_t org);
bool put_retry_schedule(Database& db, int64_t org, const std::string& schedule, std::string& error);

}  // namespace wf::store::notifications

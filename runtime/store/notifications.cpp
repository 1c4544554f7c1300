// The notification tables' statements and row mapping (see notifications.h).
#include "runtime/store/notifications.h"

#include <nlohmann/json.hpp>

namespace wf::store::notifications {

namespace {

constexpr const char* kColumns =
    "id, org_id, instance_id, workflow, step, channel, message, created_at, status, attempts, round_attempts, "
    "next_attempt_at, ended_at, last_error";

bool read_notification(const Statement& s, NotificationRow& r, std::string& error) {
  r.id = s.column_int64(0);
  r.org_id = s.column_int64(1);
  r.instance_id = optional_int(s, 2);
  r.workflow = s.column_text(3);
  r.step = s.column_text(4);
  r.channel = s.column_text(5);
  r.message = s.column_text(6);
  r.created_at = s.column_int64(7);
  if (!column_enum(s, 8, r.status, error)) return false;
  r.attempts = s.column_int64(9);
  r.round_attempts = s.column_int64(10);
  r.next_attempt_at = optional_int(s, 11);
  r.ended_at = optional_int(s, 12);
  r.last_error = s.column_text(13);
  return true;
}

bool read_channel(const Statement& s, ChannelRow& r, std::string& error) {
  if (!column_enum(s, 0, r.kind, error)) return false;
  r.name = s.column_text(1);
  r.config = s.column_text(2);
  r.created_at = s.column_int64(3);
  return true;
}

bool read_attempt(const Statement& s, NotificationAttemptRow& a, std::string& error) {
  a.notification_id = s.column_int64(0);
  a.at = s.column_int64(1);
  a.duration_ms = s.column_int64(2);
  a.code = s.column_int64(3);
  a.error = s.column_text(5);
  return column_enum(s, 4, a.outcome, error);
}

}  // namespace

Result<int64_t> max_id(Database& db) { return read_int(db, "SELECT COALESCE(MAX(id), 0) FROM notifications"); }

Result<std::vector<NotificationRow>> pending(Database& db) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM notifications WHERE status = 'pending' ORDER BY id");
  return read_rows<NotificationRow>(q, read_notification);
}

Result<Page<NotificationRow>> list(Database& db, int64_t org, std::optional<NotificationStatus> status,
                                   std::optional<int64_t> instance, const Paging& page) {
  // The filters are written only when they filter, as in instances.cpp; ?1 org, ?2 status,
  // ?3 instance, ?4 cursor, ?5 limit, ?6 offset.
  const std::string where = std::string(" FROM notifications WHERE org_id = ?1") + (status ? " AND status = ?2" : "") +
                            (instance ? " AND instance_id = ?3" : "");
  const std::string list_sql =
      std::string("SELECT ") + kColumns + where + (page.after ? " AND id < ?4" : "") + " ORDER BY id DESC LIMIT ?5 OFFSET ?6";
  return read_keyset_page<NotificationRow>(
      db, list_sql, "SELECT COUNT(*)" + where, 4, page,
      [&](Statement& s) {
        s.bind(1, org);
        if (status) s.bind(2, name(*status));
        if (instance) s.bind(3, *instance);
      },
      read_notification);
}

Result<std::optional<NotificationRow>> find(Database& db, int64_t org, int64_t id) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM notifications WHERE org_id = ?1 AND id = ?2");
  q->bind(1, org).bind(2, id);
  return read_row<NotificationRow>(q, read_notification);
}

Result<std::vector<NotificationAttemptRow>> attempts(Database& db, int64_t id) {
  Query q(db,
          "SELECT notification_id, at, duration_ms, code, outcome, error FROM notification_attempts "
          "WHERE notification_id = ?1 ORDER BY id");
  q->bind(1, id);
  return read_rows<NotificationAttemptRow>(q, read_attempt);
}

Result<std::map<int64_t, std::vector<NotificationAttemptRow>>> attempts_of(Database& db, const std::vector<int64_t>& ids) {
  using Answer = Result<std::map<int64_t, std::vector<NotificationAttemptRow>>>;
  // The ids as one JSON array: one statement whatever the page's size.
  Query q(db,
          "SELECT notification_id, at, duration_ms, code, outcome, error FROM notification_attempts "
          "WHERE notification_id IN (SELECT value FROM json_each(?1)) ORDER BY notification_id, id");
  const std::string id_list = nlohmann::json(ids).dump();
  q->bind(1, std::string_view(id_list));
  auto rows = read_rows<NotificationAttemptRow>(q, read_attempt);
  if (!rows.ok()) return Answer::failure(rows.error());
  std::map<int64_t, std::vector<NotificationAttemptRow>> by_notification;
  for (NotificationAttemptRow& a : *rows) by_notification[a.notification_id].push_back(std::move(a));
  return by_notification;
}

Result<std::vector<NotificationRow>> dead_since(Database& db, int64_t org, int64_t since) {
  Query q(db, std::string("SELECT ") + kColumns +
                  " FROM notifications WHERE org_id = ?1 AND status = 'dead' AND ended_at >= ?2 ORDER BY id");
  q->bind(1, org).bind(2, since);
  return read_rows<NotificationRow>(q, read_notification);
}

Result<std::vector<ChannelRow>> channels(Database& db, int64_t org) {
  Query q(db, "SELECT kind, name, config, created_at FROM notification_channels WHERE org_id = ?1 ORDER BY kind, name");
  q->bind(1, org);
  return read_rows<ChannelRow>(q, read_channel);
}

Result<std::optional<ChannelRow>> channel(Database& db, int64_t org, ChannelKind kind, std::string_view channel_name) {
  Query q(db, "SELECT kind, name, config, created_at FROM notification_channels WHERE org_id = ?1 AND kind = ?2 AND name = ?3");
  q->bind(1, org).bind(2, name(kind)).bind(3, channel_name);
  return read_row<ChannelRow>(q, read_channel);
}

bool put_channel(Database& db, int64_t org, const ChannelRow& r, std::string& error) {
  Query q(db,
          "INSERT INTO notification_channels (org_id, kind, name, config, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
          "ON CONFLICT (org_id, kind, name) DO UPDATE SET config = excluded.config");
  q->bind(1, org).bind(2, name(r.kind)).bind(3, std::string_view(r.name)).bind(4, std::string_view(r.config)).bind(5, r.created_at);
  return run(*q, error);
}

bool remove_channel(Database& db, int64_t org, ChannelKind kind, std::string_view channel_name, std::string& error) {
  Query q(db, "DELETE FROM notification_channels WHERE org_id = ?1 AND kind = ?2 AND name = ?3");
  q->bind(1, org).bind(2, name(kind)).bind(3, channel_name);
  return run(*q, error);
}

Result<std::string> retry_schedule(Database& db, int64_t org) {
  Query q(db, "SELECT retry_schedule FROM notification_settings WHERE org_id = ?1");
  q->bind(1, org);
  std::string out = q->step() ? q->column_text(0) : std::string();
  std::string error;
  if (!finished(q, error)) return Result<std::string>::failure(error);
  return out;
}

bool put_retry_schedule(Database& db, int64_t org, const std::string& schedule, std::string& error) {
  Query q(db,
          "INSERT INTO notification_settings (org_id, retry_schedule) VALUES (?1, ?2) "
          "ON CONFLICT (org_id) DO UPDATE SET retry_schedule = excluded.retry_schedule");
  q->bind(1, org).bind(2, std::string_view(schedule));
  return run(*q, error);
}

}  // namespace wf::store::notifications

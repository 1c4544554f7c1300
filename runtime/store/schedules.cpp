// The schedules aggregate's statements and row mappings (see schedules.h).
#include "runtime/store/schedules.h"

#include <fmt/format.h>

namespace wf::store::schedules {

namespace {

constexpr const char* kColumns =
    "id, org_id, name, definition_id, workflow, params, targets, job, expression, zone, start_at, end_at, "
    "max_recurrences, overlap, catch_up_ms, paused, source, next_due, tick_count, last_instance_id, last_job_ids, "
    "buffered_due, created_at, updated_at, removed_at";

bool read_schedule(const Statement& s, ScheduleRow& r, std::string& error) {
  r.id = s.column_int64(0);
  r.org_id = s.column_int64(1);
  r.name = s.column_text(2);
  r.definition_id = optional_int(s, 3);
  r.workflow = s.column_text(4);
  r.params = s.column_text(5);
  r.targets = s.column_text(6);
  r.job = s.column_text(7);
  r.expression = s.column_text(8);
  r.zone = s.column_text(9);
  r.start_at = s.column_int64(10);
  r.end_at = optional_int(s, 11);
  r.max_recurrences = optional_int(s, 12);
  if (!column_enum(s, 13, r.overlap, error)) return false;
  r.catch_up_ms = s.column_int64(14);
  r.paused = s.column_int64(15) != 0;
  if (!column_enum(s, 16, r.source, error)) return false;
  r.next_due = optional_int(s, 17);
  r.tick_count = s.column_int64(18);
  r.last_instance_id = optional_int(s, 19);
  r.last_job_ids = s.column_text(20);
  r.buffered_due = optional_int(s, 21);
  r.created_at = s.column_int64(22);
  r.updated_at = s.column_int64(23);
  r.removed_at = optional_int(s, 24);
  return true;
}

bool read_tick(const Statement& s, TickRow& t, std::string& error) {
  t.schedule_id = s.column_int64(0);
  t.org_id = s.column_int64(1);
  t.due = s.column_int64(2);
  t.fired_at = s.column_int64(3);
  if (!column_enum(s, 4, t.outcome, error)) return false;
  t.instance_id = optional_int(s, 5);
  t.job_ids = s.column_text(6);
  t.detail = s.column_text(7);
  return true;
}

// Binds every column but the id, from ?2 on, in kColumns' order.
void bind_fields(Statement& s, const ScheduleRow& r) {
  s.bind(2, r.org_id).bind(3, std::string_view(r.name));
  bind_optional(s, 4, r.definition_id);
  s.bind(5, std::string_view(r.workflow)).bind(6, std::string_view(r.params)).bind(7, std::string_view(r.targets));
  bind_text_or_null(s, 8, r.job);
  s.bind(9, std::string_view(r.expression)).bind(10, std::string_view(r.zone)).bind(11, r.start_at);
  bind_optional(s, 12, r.end_at);
  bind_optional(s, 13, r.max_recurrences);
  s.bind(14, name(r.overlap)).bind(15, r.catch_up_ms).bind(16, r.paused ? 1 : 0).bind(17, name(r.source));
  bind_optional(s, 18, r.next_due);
  s.bind(19, r.tick_count);
  bind_optional(s, 20, r.last_instance_id);
  s.bind(21, std::string_view(r.last_job_ids));
  bind_optional(s, 22, r.buffered_due);
  s.bind(23, r.created_at).bind(24, r.updated_at);
  bind_optional(s, 25, r.removed_at);
}

constexpr const char* kValues =
    "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25";

}  // namespace

Result<std::optional<ScheduleRow>> find(Database& db, int64_t org, int64_t id) {
  Query q(db, fmt::format("SELECT {} FROM schedules WHERE id = ?1 AND org_id = ?2", kColumns));
  q->bind(1, id).bind(2, org);
  return read_row<ScheduleRow>(q, read_schedule);
}

Result<std::optional<ScheduleRow>> find_by_name(Database& db, int64_t org, const std::string& name) {
  Query q(db, fmt::format("SELECT {} FROM schedules WHERE org_id = ?1 AND name = ?2 AND removed_at IS NULL", kColumns));
  q->bind(1, org).bind(2, std::string_view(name));
  return read_row<ScheduleRow>(q, read_schedule);
}

Result<std::vector<ScheduleRow>> list(Database& db, int64_t org) {
  Query q(db, fmt::format("SELECT {} FROM schedules WHERE org_id = ?1 AND removed_at IS NULL ORDER BY name", kColumns));
  q->bind(1, org);
  return read_rows<ScheduleRow>(q, read_schedule);
}

Result<std::vector<ScheduleRow>> all_live(Database& db) {
  Query q(db, fmt::format("SELECT {} FROM schedules WHERE removed_at IS NULL ORDER BY id", kColumns));
  return read_rows<ScheduleRow>(q, read_schedule);
}

Result<std::optional<ScheduleRow>> of_annotation(Database& db, int64_t org, int64_t definition) {
  Query q(db, fmt::format("SELECT {} FROM schedules WHERE org_id = ?1 AND definition_id = ?2 AND source = 'annotation' "
                          "AND removed_at IS NULL",
                          kColumns));
  q->bind(1, org).bind(2, definition);
  return read_row<ScheduleRow>(q, read_schedule);
}

Result<std::vector<TickRow>> ticks(Database& db, int64_t schedule, int64_t limit) {
  Query q(db,
          "SELECT schedule_id, org_id, due, fired_at, outcome, instance_id, job_ids, detail FROM schedule_ticks "
          "WHERE schedule_id = ?1 ORDER BY id DESC LIMIT ?2");
  q->bind(1, schedule).bind(2, limit);
  return read_rows<TickRow>(q, read_tick);
}

Result<std::vector<TickRow>> all_ticks(Database& db, int64_t schedule) {
  Query q(db,
          "SELECT schedule_id, org_id, due, fired_at, outcome, instance_id, job_ids, detail FROM schedule_ticks "
          "WHERE schedule_id = ?1 ORDER BY id");
  q->bind(1, schedule);
  return read_rows<TickRow>(q, read_tick);
}

bool insert(Database& db, const ScheduleRow& row, int64_t& id, std::string& error) {
  auto& s = db.prepare(fmt::format("INSERT INTO schedules ({}) VALUES (NULL, {})", kColumns, kValues));
  bind_fields(s, row);
  if (!run(s, error)) return false;
  id = db.last_insert_rowid();
  return true;
}

bool save(Database& db, const ScheduleRow& row, std::string& error) {
  // An update in place: the row exists (insert() made it), and its ticks refer to it.
  auto& s = db.prepare(
      "UPDATE schedules SET org_id = ?2, name = ?3, definition_id = ?4, workflow = ?5, params = ?6, targets = ?7, job = ?8, "
      "expression = ?9, zone = ?10, start_at = ?11, end_at = ?12, max_recurrences = ?13, overlap = ?14, catch_up_ms = ?15, "
      "paused = ?16, source = ?17, next_due = ?18, tick_count = ?19, last_instance_id = ?20, last_job_ids = ?21, "
      "buffered_due = ?22, created_at = ?23, updated_at = ?24, removed_at = ?25 WHERE id = ?1");
  s.bind(1, row.id);
  bind_fields(s, row);
  return run(s, error);
}

bool add_tick(Database& db, const TickRow& t, std::string& error) {
  auto& s = db.prepare(
      "INSERT INTO schedule_ticks (schedule_id, org_id, due, fired_at, outcome, instance_id, job_ids, detail) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  s.bind(1, t.schedule_id).bind(2, t.org_id).bind(3, t.due).bind(4, t.fired_at).bind(5, name(t.outcome));
  bind_optional(s, 6, t.instance_id);
  bind_text_or_null(s, 7, t.job_ids);
  s.bind(8, std::string_view(t.detail));
  return run(s, error);
}

}  // namespace wf::store::schedules

// Writing a transition's rows (see changes.h). One prepared statement per kind of row.
#include "runtime/store/changes.h"

#include "runtime/store/query.h"
#include "runtime/store/schedules.h"

#include <algorithm>
#include <set>

namespace wf::store {

namespace {

void bind_bytes_or_null(store::Statement& s, int index, const SharedBytes& v) {
  if (!v || v->empty()) s.bind_null(index);
  else s.bind_blob(index, v->data(), v->size());
}

template <class T>
void append_all(std::vector<T>& to, std::vector<T>& from) {
  if (to.empty()) to = std::move(from);
  else to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

bool Changes::empty() const {
  return instances.empty() && waits_added.empty() && waits_removed.empty() && jobs.empty() && approvals.empty() &&
         responses.empty() && steps.empty() && log.empty() && events.empty() && signals_added.empty() &&
         signals_taken.empty() && sessions_opened.empty() && sessions_checked_in.empty() && sessions_closed.empty() &&
         instance_sessions_closed.empty() && automation.empty() &&
         notifications.empty() && notification_attempts.empty() && late_log.empty() && schedules.empty() && ticks.empty();
}

void Changes::append(Changes&& o) {
  append_all(instances, o.instances);
  append_all(waits_added, o.waits_added);
  append_all(waits_removed, o.waits_removed);
  append_all(jobs, o.jobs);
  append_all(approvals, o.approvals);
  append_all(responses, o.responses);
  append_all(steps, o.steps);
  append_all(log, o.log);
  append_all(events, o.events);
  append_all(signals_added, o.signals_added);
  append_all(signals_taken, o.signals_taken);
  append_all(sessions_opened, o.sessions_opened);
  append_all(sessions_checked_in, o.sessions_checked_in);
  append_all(sessions_closed, o.sessions_closed);
  append_all(instance_sessions_closed, o.instance_sessions_closed);
  append_all(automation, o.automation);
  append_all(notifications, o.notifications);
  append_all(notification_attempts, o.notification_attempts);
  append_all(late_log, o.late_log);
  append_all(schedules, o.schedules);
  append_all(ticks, o.ticks);
}

bool write_changes(store::Database& db, const Changes& c, std::string& error) {
  for (const InstanceRow* row : last_of_each(c.instances, [](const InstanceRow& r) { return r.id; })) {
    const InstanceRow& r = *row;
    // An upsert updates the row in place; INSERT OR REPLACE would delete it and insert it again,
    // index entries and all.
    auto& s = db.prepare(
        "INSERT INTO instances (id, org_id, definition_id, version, workflow, module_hash, status, "
        "pause_reason, params, targets, parent_id, parent_fiber, parent_seq, created_at, scheduled_at, started_at, "
        "ended_at, timeout_at, result, error, error_message, continuation, checkpoint, operator_paused, trigger, attempt, checkpoint_steps, "
        "kill_switch_paused) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28) "
        "ON CONFLICT (id) DO UPDATE SET version = excluded.version, module_hash = excluded.module_hash, "
        "status = excluded.status, pause_reason = excluded.pause_reason, "
        "started_at = excluded.started_at, ended_at = excluded.ended_at, timeout_at = excluded.timeout_at, "
        "result = excluded.result, error = excluded.error, error_message = excluded.error_message, "
        "continuation = excluded.continuation, checkpoint = excluded.checkpoint, operator_paused = excluded.operator_paused, "
        "attempt = excluded.attempt, checkpoint_steps = excluded.checkpoint_steps, kill_switch_paused = excluded.kill_switch_paused");
    s.bind(1, r.id).bind(2, r.org_id).bind(3, r.definition_id).bind(4, r.version);
    s.bind(5, std::string_view(r.workflow)).bind(6, std::string_view(r.module_hash)).bind(7, name(r.status));
    if (r.pause_reason) s.bind(8, name(*r.pause_reason));
    else s.bind_null(8);
    s.bind(9, std::string_view(r.params)).bind(10, std::string_view(r.targets));
    bind_optional(s, 11, r.parent_id);
    bind_optional(s, 12, r.parent_fiber);
    bind_optional(s, 13, r.parent_seq);
    s.bind(14, r.created_at);
    bind_optional(s, 15, r.scheduled_at);
    bind_optional(s, 16, r.started_at);
    bind_optional(s, 17, r.ended_at);
    bind_optional(s, 18, r.timeout_at);
    bind_text_or_null(s, 19, r.result);
    bind_text_or_null(s, 20, r.error);
    bind_text_or_null(s, 21, r.error_message);
    bind_bytes_or_null(s, 22, r.continuation);
    bind_bytes_or_null(s, 23, r.checkpoint);
    s.bind(24, r.operator_paused ? 1 : 0);
    s.bind(25, name(r.trigger));
    s.bind(26, r.attempt);
    s.bind(27, std::string_view(r.checkpoint_steps));
    s.bind(28, r.kill_switch_paused ? 1 : 0);
    if (!run(s, error)) return false;
  }
  for (const WaitRow& w : c.waits_added) {
    auto& s = db.prepare(
        "INSERT OR REPLACE INTO waits (instance_id, seq, fiber, kind, args, created_at, due_at, withheld) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    s.bind(1, w.instance_id).bind(2, static_cast<int64_t>(w.seq)).bind(3, static_cast<int64_t>(w.fiber));
    s.bind(4, std::string_view(w.kind)).bind_blob(5, w.args.data(), w.args.size()).bind(6, w.created_at);
    bind_optional(s, 7, w.due_at);
    s.bind(8, w.withheld ? 1 : 0);
    if (!run(s, error)) return false;
  }
  for (const auto& [instance, seq] : c.waits_removed) {
    auto& s = db.prepare("DELETE FROM waits WHERE instance_id = ?1 AND seq = ?2");
    s.bind(1, instance).bind(2, static_cast<int64_t>(seq));
    if (!run(s, error)) return false;
  }
  for (const JobRow* row : last_of_each(c.jobs, [](const JobRow& j) { return j.id; })) {
    const JobRow& j = *row;
    auto& s = db.prepare(
        "INSERT OR REPLACE INTO jobs (id, org_id, instance_id, effect_seq, host_index, host, attempt, spec, description, "
        "priority, status, scheduled_at, dispatched_at, started_at, ended_at, agent_id, exit_code, stdout, stderr, "
        "stdout_truncated, stderr_truncated, duration_ms, error, cancel_requested_at, delay_ms, script, script_definition_id, "
        "script_version) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
        "?26, ?27, ?28)");
    s.bind(1, j.id).bind(2, j.org_id);
    bind_optional(s, 3, j.instance_id);
    bind_optional(s, 4, j.effect_seq);
    bind_optional(s, 5, j.host_index);
    s.bind(6, std::string_view(j.host)).bind(7, j.attempt).bind(8, std::string_view(j.spec));
    s.bind(9, std::string_view(j.description)).bind(10, j.priority).bind(11, name(j.status)).bind(12, j.scheduled_at);
    bind_optional(s, 13, j.dispatched_at);
    bind_optional(s, 14, j.started_at);
    bind_optional(s, 15, j.ended_at);
    bind_optional(s, 16, j.agent_id);
    bind_optional(s, 17, j.exit_code);
    bind_text_or_null(s, 18, j.stdout_text);
    bind_text_or_null(s, 19, j.stderr_text);
    s.bind(20, j.stdout_truncated ? 1 : 0).bind(21, j.stderr_truncated ? 1 : 0);
    bind_optional(s, 22, j.duration_ms);
    bind_text_or_null(s, 23, j.error);
    bind_optional(s, 24, j.cancel_requested_at);
    s.bind(25, j.delay_ms);
    if (j.script) s.bind(26, std::string_view(j.script->name)).bind(27, j.script->definition_id).bind(28, j.script->version);
    else s.bind_null(26).bind_null(27).bind_null(28);
    if (!run(s, error)) return false;
  }
  for (const ApprovalRow& a : c.approvals) {
    auto& s = db.prepare(
        "INSERT OR REPLACE INTO approvals (id, org_id, instance_id, effect_seq, title, quorum, approvers, status, "
        "created_at, timeout_at, decided_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    s.bind(1, a.id).bind(2, a.org_id).bind(3, a.instance_id).bind(4, static_cast<int64_t>(a.effect_seq));
    s.bind(5, std::string_view(a.title)).bind(6, std::string_view(a.quorum)).bind(7, std::string_view(a.approvers));
    s.bind(8, name(a.status)).bind(9, a.created_at);
    bind_optional(s, 10, a.timeout_at);
    bind_optional(s, 11, a.decided_at);
    if (!run(s, error)) return false;
  }
  for (const ResponseRow& r : c.responses) {
    auto& s = db.prepare(
        "INSERT INTO approval_responses (approval_id, who, decision, note, via, at, recorded_by) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    s.bind(1, r.approval_id).bind(2, std::string_view(r.who)).bind(3, std::string_view(r.decision));
    s.bind(4, std::string_view(r.note)).bind(5, std::string_view(r.via)).bind(6, r.at).bind(7, std::string_view(r.recorded_by));
    if (!run(s, error)) return false;
  }
  for (const StepRow* row : last_of_each(c.steps, [](const StepRow& r) { return std::make_pair(r.instance_id, r.idx); })) {
    const StepRow& r = *row;
    auto& s = db.prepare(
        "INSERT OR REPLACE INTO steps (instance_id, idx, kind, name, effect_seq, status, started_at, ended_at, attempt) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    s.bind(1, r.instance_id).bind(2, r.idx).bind(3, std::string_view(r.kind)).bind(4, std::string_view(r.name));
    bind_optional(s, 5, r.effect_seq);
    s.bind(6, std::string_view(r.status)).bind(7, r.started_at);
    bind_optional(s, 8, r.ended_at);
    s.bind(9, r.attempt);
    if (!run(s, error)) return false;
  }
  for (const LogRow& r : c.log) {
    auto& s = db.prepare("INSERT OR REPLACE INTO instance_log (instance_id, seq, at, kind, message, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, r.instance_id).bind(2, r.seq).bind(3, r.at).bind(4, std::string_view(r.kind)).bind(5, std::string_view(r.message));
    bind_text_or_null(s, 6, r.data);
    if (!run(s, error)) return false;
  }
  for (const EventRow& e : c.events) {
    auto& s = db.prepare("INSERT INTO events (id, org_id, instance_id, at, type, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, e.id).bind(2, e.org_id);
    bind_optional(s, 3, e.instance_id);
    s.bind(4, e.at).bind(5, std::string_view(e.type)).bind(6, std::string_view(e.data));
    if (!run(s, error)) return false;
  }
  for (const SignalRow& r : c.signals_added) {
    auto& s = db.prepare("INSERT INTO signals (instance_id, event, payload, at) VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, r.instance_id).bind(2, std::string_view(r.event)).bind(3, std::string_view(r.payload)).bind(4, r.at);
    if (!run(s, error)) return false;
  }
  for (const SessionRow& r : c.sessions_opened) {
    auto& s = db.prepare(
        "INSERT OR IGNORE INTO credential_sessions (session, org_id, identity, instance_id, created_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, std::string_view(r.session)).bind(2, r.org_id).bind(3, std::string_view(r.identity)).bind(4, r.instance_id).bind(5, r.created_at);
    bind_optional(s, 6, r.expires_at);
    if (!run(s, error)) return false;
  }
  for (const auto& [session, at] : c.sessions_checked_in) {
    auto& s = db.prepare(
        "UPDATE credential_sessions SET checked_in_at = ?2, closed_reason = 'checkin' WHERE session = ?1 AND checked_in_at IS NULL");
    s.bind(1, std::string_view(session)).bind(2, at);
    if (!run(s, error)) return false;
  }
  for (const SessionClose& r : c.sessions_closed) {
    auto& s = db.prepare(
        "UPDATE credential_sessions SET checked_in_at = ?2, closed_reason = ?3, closed_by = ?4 WHERE session = ?1 AND checked_in_at IS NULL");
    s.bind(1, std::string_view(r.session)).bind(2, r.at).bind(3, std::string_view(r.reason)).bind(4, std::string_view(r.by));
    if (!run(s, error)) return false;
  }
  for (const auto& [instance, at] : c.instance_sessions_closed) {
    auto& s = db.prepare(
        "UPDATE credential_sessions SET checked_in_at = ?2, closed_reason = 'instance_ended' WHERE instance_id = ?1 AND checked_in_at IS NULL");
    s.bind(1, instance).bind(2, at);
    if (!run(s, error)) return false;
  }
  for (const auto& [instance, event] : c.signals_taken) {
    auto& s = db.prepare(
        "DELETE FROM signals WHERE rowid = (SELECT rowid FROM signals WHERE instance_id = ?1 AND event = ?2 ORDER BY rowid LIMIT 1)");
    s.bind(1, instance).bind(2, std::string_view(event));
    if (!run(s, error)) return false;
  }
  for (const AutomationSwitchRow& a : c.automation) {
    auto& s = db.prepare(
        "INSERT OR REPLACE INTO automation_switch (org_id, paused, changed_by, changed_at, reason) VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, a.org_id).bind(2, a.paused ? 1 : 0).bind(3, std::string_view(a.changed_by)).bind(4, a.changed_at);
    s.bind(5, std::string_view(a.reason));
    if (!run(s, error)) return false;
  }
  for (const NotificationRow* row : last_of_each(c.notifications, [](const NotificationRow& n) { return n.id; })) {
    const NotificationRow& n = *row;
    auto& s = db.prepare(
        "INSERT INTO notifications (id, org_id, instance_id, workflow, step, channel, message, created_at, status, attempts, "
        "round_attempts, next_attempt_at, ended_at, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, "
        "round_attempts = excluded.round_attempts, next_attempt_at = excluded.next_attempt_at, ended_at = excluded.ended_at, "
        "last_error = excluded.last_error");
    s.bind(1, n.id).bind(2, n.org_id);
    bind_optional(s, 3, n.instance_id);
    s.bind(4, std::string_view(n.workflow)).bind(5, std::string_view(n.step)).bind(6, std::string_view(n.channel));
    s.bind(7, std::string_view(n.message)).bind(8, n.created_at).bind(9, name(n.status)).bind(10, n.attempts);
    s.bind(11, n.round_attempts);
    bind_optional(s, 12, n.next_attempt_at);
    bind_optional(s, 13, n.ended_at);
    s.bind(14, std::string_view(n.last_error));
    if (!run(s, error)) return false;
  }
  for (const NotificationAttemptRow& a : c.notification_attempts) {
    auto& s = db.prepare(
        "INSERT INTO notification_attempts (notification_id, at, duration_ms, code, outcome, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, a.notification_id).bind(2, a.at).bind(3, a.duration_ms).bind(4, a.code);
    s.bind(5, name(a.outcome)).bind(6, std::string_view(a.error));
    if (!run(s, error)) return false;
  }
  for (const LateLogRow& r : c.late_log) {
    // After the instance's own lines: the next sequence number the store has for it.
    auto& s = db.prepare(
        "INSERT INTO instance_log (instance_id, seq, at, kind, message) VALUES "
        "(?1, (SELECT COALESCE(MAX(seq) + 1, 1) FROM instance_log WHERE instance_id = ?1), ?2, ?3, ?4)");
    s.bind(1, r.instance_id).bind(2, r.at).bind(3, std::string_view(r.kind)).bind(4, std::string_view(r.message));
    if (!run(s, error)) return false;
  }
  for (const ScheduleRow* row : last_of_each(c.schedules, [](const ScheduleRow& r) { return r.id; }))
    if (!schedules::save(db, *row, error)) return false;
  for (const TickRow& t : c.ticks)
    if (!schedules::add_tick(db, t, error)) return false;
  return true;
}

}  // namespace wf::store

// The instances aggregate's statements and row mappings (see instances.h).
#include "runtime/store/instances.h"

namespace wf::store::instances {

namespace {

constexpr const char* kColumns =
    "id, org_id, definition_id, version, workflow, module_hash, status, pause_reason, params, targets, parent_id, "
    "parent_fiber, parent_seq, created_at, scheduled_at, started_at, ended_at, timeout_at, result, error, error_message, "
    "continuation, checkpoint, operator_paused, trigger, attempt, checkpoint_steps";

SharedBytes shared_blob(const Statement& s, int col) {
  const std::string_view b = s.column_blob(col);
  if (b.empty()) return nullptr;
  return share(std::vector<uint8_t>(b.begin(), b.end()));
}

// The one mapping of an instance row, from a statement selecting kColumns; false with `error`
// for a row the store should never hold.
bool read_instance(const Statement& s, InstanceRow& r, std::string& error) {
  r.id = s.column_int64(0);
  r.org_id = s.column_int64(1);
  r.definition_id = s.column_int64(2);
  r.version = s.column_int64(3);
  r.workflow = s.column_text(4);
  r.module_hash = s.column_text(5);
  if (!column_enum(s, 6, r.status, error)) return false;
  if (!s.column_is_null(7)) {
    PauseReason reason{};
    if (!column_enum(s, 7, reason, error)) return false;
    r.pause_reason = reason;
  }
  r.params = s.column_text(8);
  r.targets = s.column_text(9);
  r.parent_id = optional_int(s, 10);
  r.parent_fiber = optional_int(s, 11);
  r.parent_seq = optional_int(s, 12);
  r.created_at = s.column_int64(13);
  r.scheduled_at = optional_int(s, 14);
  r.started_at = optional_int(s, 15);
  r.ended_at = optional_int(s, 16);
  r.timeout_at = optional_int(s, 17);
  r.result = s.column_text(18);
  r.error = s.column_text(19);
  r.error_message = s.column_text(20);
  r.continuation = shared_blob(s, 21);
  r.checkpoint = shared_blob(s, 22);
  r.operator_paused = s.column_int64(23) != 0;
  r.attempt = s.column_int64(25);
  r.checkpoint_steps = s.column_text(26);
  return column_enum(s, 24, r.trigger, error);
}


bool read_step(const Statement& s, StepRow& r, std::string&) {
  r.idx = s.column_int64(0);
  r.kind = s.column_text(1);
  r.name = s.column_text(2);
  r.effect_seq = optional_int(s, 3);
  r.status = s.column_text(4);
  r.started_at = s.column_int64(5);
  r.ended_at = optional_int(s, 6);
  r.attempt = s.column_int64(7);
  return true;
}

bool read_wait(const Statement& s, WaitRow& w, std::string&) {
  w.seq = static_cast<uint64_t>(s.column_int64(0));
  w.fiber = static_cast<uint32_t>(s.column_int64(1));
  w.kind = s.column_text(2);
  w.args = column_bytes(s, 3);
  w.created_at = s.column_int64(4);
  w.due_at = optional_int(s, 5);
  return true;
}

// The rows of one instance's table, each stamped with the instance's id.
template <class Row>
Result<std::vector<Row>> rows_of(Query& q, int64_t instance, bool (*map)(const Statement&, Row&, std::string&)) {
  auto rows = read_rows<Row>(q, map);
  if (rows.ok())
    for (Row& r : *rows) r.instance_id = instance;
  return rows;
}

bool read_log(const Statement& s, LogRow& l, std::string&) {
  l.seq = s.column_int64(0);
  l.at = s.column_int64(1);
  l.kind = s.column_text(2);
  l.message = s.column_text(3);
  l.data = s.column_text(4);
  return true;
}

constexpr const char* kStepColumns =
    "SELECT idx, kind, name, effect_seq, status, started_at, ended_at, attempt FROM steps WHERE instance_id = ?1";

// kColumns with what a list does not show left out (NULL): params, targets, result, error, the
// continuation, the checkpoint and its steps — the large columns of a row.
constexpr const char* kSummaryColumns =
    "id, org_id, definition_id, version, workflow, module_hash, status, pause_reason, NULL, NULL, parent_id, "
    "parent_fiber, parent_seq, created_at, scheduled_at, started_at, ended_at, timeout_at, NULL, NULL, error_message, "
    "NULL, NULL, operator_paused, trigger, attempt, NULL";

constexpr const char* kFilter =
    " FROM instances WHERE org_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = '' OR workflow = ?3) AND (?4 = '' OR trigger = ?4)";

void bind_filter(Statement& s, int64_t org, const InstanceFilter& f) {
  s.bind(1, org).bind(2, std::string_view(f.status)).bind(3, std::string_view(f.workflow)).bind(4, std::string_view(f.trigger));
}

}  // namespace

Result<Page<InstanceRow>> list(Database& db, int64_t org, const InstanceFilter& filter, Paging page) {
  Query q(db, std::string("SELECT ") + kSummaryColumns + kFilter + " ORDER BY id DESC LIMIT ?5 OFFSET ?6");
  bind_filter(*q, org, filter);
  q->bind(5, page.limit).bind(6, page.skip);
  Query count(db, std::string("SELECT COUNT(*)") + kFilter);
  bind_filter(*count, org, filter);
  return read_page<InstanceRow>(q, count, read_instance);
}

Result<std::vector<InstanceRow>> live(Database& db) {
  Query q(db, std::string("SELECT ") + kColumns +
                  " FROM instances WHERE status NOT IN ('completed', 'failed', 'cancelled', 'timeout') ORDER BY id");
  return read_rows<InstanceRow>(q, read_instance);
}

Result<std::optional<InstanceRow>> find(Database& db, int64_t org, int64_t id) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM instances WHERE id = ?1 AND org_id = ?2");
  q->bind(1, id).bind(2, org);
  return read_row<InstanceRow>(q, read_instance);
}

Result<std::optional<int64_t>> child_of(Database& db, int64_t parent, uint64_t seq) {
  Query q(db, "SELECT id FROM instances WHERE parent_id = ?1 AND parent_seq = ?2");
  q->bind(1, parent).bind(2, static_cast<int64_t>(seq));
  return read_row<int64_t>(q, [](const Statement& s, int64_t& id, std::string&) {
    id = s.column_int64(0);
    return true;
  });
}

Result<int64_t> max_id(Database& db) { return read_int(db, "SELECT COALESCE(MAX(id), 0) FROM instances"); }

Result<int64_t> next_step_index(Database& db, int64_t instance) {
  return read_int(db, "SELECT COALESCE(MAX(idx) + 1, 0) FROM steps WHERE instance_id = ?1", instance);
}

Result<int64_t> next_log_seq(Database& db, int64_t instance) {
  return read_int(db, "SELECT COALESCE(MAX(seq) + 1, 1) FROM instance_log WHERE instance_id = ?1", instance);
}

Result<std::vector<StepRow>> open_steps(Database& db, int64_t instance) {
  Query q(db, std::string(kStepColumns) + " AND status = 'running' ORDER BY idx");
  q->bind(1, instance);
  return rows_of<StepRow>(q, instance, read_step);
}

Result<std::vector<StepRow>> steps(Database& db, int64_t instance) {
  Query q(db, std::string(kStepColumns) + " ORDER BY idx");
  q->bind(1, instance);
  return rows_of<StepRow>(q, instance, read_step);
}

Result<std::vector<LogRow>> log(Database& db, int64_t instance, int64_t after) {
  Query q(db, "SELECT seq, at, kind, message, data FROM instance_log WHERE instance_id = ?1 AND seq > ?2 ORDER BY seq");
  q->bind(1, instance).bind(2, after);
  return rows_of<LogRow>(q, instance, read_log);
}

Result<std::vector<WaitRow>> waits(Database& db, int64_t instance) {
  Query q(db, "SELECT seq, fiber, kind, args, created_at, due_at FROM waits WHERE instance_id = ?1 ORDER BY seq");
  q->bind(1, instance);
  return rows_of<WaitRow>(q, instance, read_wait);
}

Result<std::optional<std::string>> first_signal(Database& db, int64_t instance, std::string_view event) {
  Query q(db, "SELECT payload FROM signals WHERE instance_id = ?1 AND event = ?2 ORDER BY rowid LIMIT 1");
  q->bind(1, instance).bind(2, event);
  return read_row<std::string>(q, [](const Statement& s, std::string& payload, std::string&) {
    payload = s.column_text(0);
    return true;
  });
}

}  // namespace wf::store::instances

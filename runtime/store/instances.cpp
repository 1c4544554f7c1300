// The instances aggregate's statements and row mappings (see instances.h).
#include "runtime/store/instances.h"

namespace wf::store::instances {

namespace {

constexpr const char* kColumns =
    "id, org_id, definition_id, version, workflow, module_hash, status, pause_reason, params, targets, parent_id, "
    "parent_fiber, parent_seq, created_at, scheduled_at, started_at, ended_at, timeout_at, result, error, error_message, "
    "continuation, checkpoint, operator_paused, trigger";

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
  return column_enum(s, 24, r.trigger, error);
}

// Every row of an instance query.
Result<std::vector<InstanceRow>> read_all(Query& q) {
  std::vector<InstanceRow> out;
  std::string error;
  while (q->step()) {
    InstanceRow r;
    if (!read_instance(*q, r, error)) return Result<std::vector<InstanceRow>>::failure(error);
    out.push_back(std::move(r));
  }
  if (!finished(q, error)) return Result<std::vector<InstanceRow>>::failure("cannot read instances: " + error);
  return out;
}

StepRow read_step(const Statement& s, int64_t instance) {
  StepRow r;
  r.instance_id = instance;
  r.idx = s.column_int64(0);
  r.kind = s.column_text(1);
  r.name = s.column_text(2);
  r.effect_seq = optional_int(s, 3);
  r.status = s.column_text(4);
  r.started_at = s.column_int64(5);
  r.ended_at = optional_int(s, 6);
  return r;
}

WaitRow read_wait(const Statement& s, int64_t instance) {
  WaitRow w;
  w.instance_id = instance;
  w.seq = static_cast<uint64_t>(s.column_int64(0));
  w.fiber = static_cast<uint32_t>(s.column_int64(1));
  w.kind = s.column_text(2);
  w.args = column_bytes(s, 3);
  w.created_at = s.column_int64(4);
  w.due_at = optional_int(s, 5);
  return w;
}

// kColumns with the continuation and checkpoint left out (lists do not show them).
constexpr const char* kSummaryColumns =
    "id, org_id, definition_id, version, workflow, module_hash, status, pause_reason, params, targets, parent_id, "
    "parent_fiber, parent_seq, created_at, scheduled_at, started_at, ended_at, timeout_at, result, error, error_message, "
    "NULL, NULL, operator_paused, trigger";

constexpr const char* kFilter =
    " FROM instances WHERE org_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = '' OR workflow = ?3) AND (?4 = '' OR trigger = ?4)";

void bind_filter(Statement& s, int64_t org, const InstanceFilter& f) {
  s.bind(1, org).bind(2, std::string_view(f.status)).bind(3, std::string_view(f.workflow)).bind(4, std::string_view(f.trigger));
}

}  // namespace

Result<Page<InstanceRow>> list(Database& db, int64_t org, const InstanceFilter& filter, Paging page) {
  Page<InstanceRow> out;
  std::string error;
  {
    Query q(db, std::string("SELECT ") + kSummaryColumns + kFilter + " ORDER BY id DESC LIMIT ?5 OFFSET ?6");
    bind_filter(*q, org, filter);
    q->bind(5, page.limit).bind(6, page.skip);
    auto rows = read_all(q);
    if (!rows.ok()) return Result<Page<InstanceRow>>::failure(rows.error());
    out.items = std::move(*rows);
  }
  Query t(db, std::string("SELECT COUNT(*)") + kFilter);
  bind_filter(*t, org, filter);
  out.total = t->step() ? t->column_int64(0) : 0;
  if (!finished(t, error)) return Result<Page<InstanceRow>>::failure(error);
  return out;
}

Result<std::vector<InstanceRow>> live(Database& db) {
  Query q(db, std::string("SELECT ") + kColumns +
                  " FROM instances WHERE status NOT IN ('completed', 'failed', 'cancelled', 'timeout') ORDER BY id");
  return read_all(q);
}

Result<std::optional<InstanceRow>> find(Database& db, int64_t org, int64_t id) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM instances WHERE id = ?1 AND org_id = ?2");
  q->bind(1, id).bind(2, org);
  auto rows = read_all(q);
  if (!rows.ok()) return Result<std::optional<InstanceRow>>::failure(rows.error());
  if (rows->empty()) return std::optional<InstanceRow>();
  return std::optional<InstanceRow>(std::move(rows->front()));
}

Result<std::optional<int64_t>> child_of(Database& db, int64_t parent, uint64_t seq) {
  Query q(db, "SELECT id FROM instances WHERE parent_id = ?1 AND parent_seq = ?2");
  q->bind(1, parent).bind(2, static_cast<int64_t>(seq));
  std::optional<int64_t> out;
  if (q->step()) out = q->column_int64(0);
  std::string error;
  if (!finished(q, error)) return Result<std::optional<int64_t>>::failure(error);
  return out;
}

Result<int64_t> max_id(Database& db) { return read_int(db, "SELECT COALESCE(MAX(id), 0) FROM instances"); }

Result<int64_t> next_step_index(Database& db, int64_t instance) {
  return read_int(db, "SELECT COALESCE(MAX(idx) + 1, 0) FROM steps WHERE instance_id = ?1", instance);
}

Result<int64_t> next_log_seq(Database& db, int64_t instance) {
  return read_int(db, "SELECT COALESCE(MAX(seq) + 1, 1) FROM instance_log WHERE instance_id = ?1", instance);
}

Result<std::vector<StepRow>> open_steps(Database& db, int64_t instance) {
  Query q(db,
          "SELECT idx, kind, name, effect_seq, status, started_at, ended_at FROM steps "
          "WHERE instance_id = ?1 AND status = 'running' ORDER BY idx");
  q->bind(1, instance);
  std::vector<StepRow> out;
  while (q->step()) out.push_back(read_step(*q, instance));
  std::string error;
  if (!finished(q, error)) return Result<std::vector<StepRow>>::failure(error);
  return out;
}

Result<std::vector<StepRow>> steps(Database& db, int64_t instance) {
  Query q(db, "SELECT idx, kind, name, effect_seq, status, started_at, ended_at FROM steps WHERE instance_id = ?1 ORDER BY idx");
  q->bind(1, instance);
  std::vector<StepRow> out;
  while (q->step()) out.push_back(read_step(*q, instance));
  std::string error;
  if (!finished(q, error)) return Result<std::vector<StepRow>>::failure(error);
  return out;
}

Result<std::vector<LogRow>> log(Database& db, int64_t instance, int64_t after) {
  Query q(db, "SELECT seq, at, kind, message, data FROM instance_log WHERE instance_id = ?1 AND seq > ?2 ORDER BY seq");
  q->bind(1, instance).bind(2, after);
  std::vector<LogRow> out;
  while (q->step()) out.push_back({instance, q->column_int64(0), q->column_int64(1), q->column_text(2), q->column_text(3), q->column_text(4)});
  std::string error;
  if (!finished(q, error)) return Result<std::vector<LogRow>>::failure(error);
  return out;
}

Result<std::vector<WaitRow>> waits(Database& db, int64_t instance) {
  Query q(db, "SELECT seq, fiber, kind, args, created_at, due_at FROM waits WHERE instance_id = ?1 ORDER BY seq");
  q->bind(1, instance);
  std::vector<WaitRow> out;
  while (q->step()) out.push_back(read_wait(*q, instance));
  std::string error;
  if (!finished(q, error)) return Result<std::vector<WaitRow>>::failure(error);
  return out;
}

Result<std::optional<std::string>> first_signal(Database& db, int64_t instance, std::string_view event) {
  Query q(db, "SELECT payload FROM signals WHERE instance_id = ?1 AND event = ?2 ORDER BY rowid LIMIT 1");
  q->bind(1, instance).bind(2, event);
  std::optional<std::string> out;
  if (q->step()) out = q->column_text(0);
  std::string error;
  if (!finished(q, error)) return Result<std::optional<std::string>>::failure(error);
  return out;
}

}  // namespace wf::store::instances

// The instances aggregate's statements and row mappings (see instances.h).
#include "runtime/store/instances.h"

namespace wf::store::instances {

namespace {

constexpr const char* kColumns =
    "id, org_id, definition_id, version, workflow, module_hash, status, pause_reason, params, targets, parent_id, "
    "parent_fiber, parent_seq, created_at, scheduled_at, started_at, ended_at, timeout_at, result, error, error_message, "
    "continuation, checkpoint, operator_paused, trigger, attempt, checkpoint_steps, kill_switch_paused";

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
  r.kill_switch_paused = s.column_int64(27) != 0;
  return column_enum(s, 24, r.trigger, error);
}


// A timeline row from its columns starting at `at` (idx, kind, name, effect_seq, status,
// started_at, ended_at, attempt).
bool read_step_at(const Statement& s, int at, StepRow& r, std::string&) {
  r.idx = s.column_int64(at);
  r.kind = s.column_text(at + 1);
  r.name = s.column_text(at + 2);
  r.effect_seq = optional_int(s, at + 3);
  r.status = s.column_text(at + 4);
  r.started_at = s.column_int64(at + 5);
  r.ended_at = optional_int(s, at + 6);
  r.attempt = s.column_int64(at + 7);
  return true;
}

bool read_step(const Statement& s, StepRow& r, std::string& error) { return read_step_at(s, 0, r, error); }

// A wait from its columns starting at `at` (seq, fiber, kind, args, created_at, due_at, withheld).
bool read_wait_at(const Statement& s, int at, WaitRow& w, std::string&) {
  w.seq = static_cast<uint64_t>(s.column_int64(at));
  w.fiber = static_cast<uint32_t>(s.column_int64(at + 1));
  w.kind = s.column_text(at + 2);
  w.args = column_bytes(s, at + 3);
  w.created_at = s.column_int64(at + 4);
  w.due_at = optional_int(s, at + 5);
  w.withheld = s.column_int64(at + 6) != 0;
  return true;
}

bool read_wait(const Statement& s, WaitRow& w, std::string& error) { return read_wait_at(s, 0, w, error); }

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
    "NULL, NULL, operator_paused, trigger, attempt, NULL, kill_switch_paused";

// The filters' conditions, each written only when it filters, so that every combination is a
// plain conjunction an index serves (`?2 = '' OR status = ?2` would hide the column from the
// planner and scan the table). Parameters keep their numbers whichever are written.
std::string where(const InstanceFilter& f) {
  std::string w = " FROM instances WHERE org_id = ?1";
  if (!f.status.empty()) w += " AND status = ?2";
  if (!f.workflow.empty()) w += " AND workflow = ?3";
  if (!f.trigger.empty()) w += " AND trigger = ?4";
  return w;
}

void bind_filter(Statement& s, int64_t org, const InstanceFilter& f) {
  s.bind(1, org);
  if (!f.status.empty()) s.bind(2, std::string_view(f.status));
  if (!f.workflow.empty()) s.bind(3, std::string_view(f.workflow));
  if (!f.trigger.empty()) s.bind(4, std::string_view(f.trigger));
}

}  // namespace

std::string list_sql(const InstanceFilter& filter, bool after) {
  // Newest first: each index's rows of one key are in rowid (id) order, so the page is read
  // straight from the index, from the cursor on, without sorting.
  return std::string("SELECT ") + kSummaryColumns + where(filter) + (after ? " AND id < ?5" : "") +
         " ORDER BY id DESC LIMIT ?6 OFFSET ?7";
}

std::string count_sql(const InstanceFilter& filter) { return "SELECT COUNT(*)" + where(filter); }

Result<Page<InstanceRow>> list(Database& db, int64_t org, const InstanceFilter& filter, Paging page) {
  return read_keyset_page<InstanceRow>(
      db, list_sql(filter, page.after.has_value()), page.count ? count_sql(filter) : "", 5, page,
      [&](Statement& s) { bind_filter(s, org, filter); }, read_instance);
}

Result<std::vector<InstanceRow>> live(Database& db) {
  Query q(db, std::string("SELECT ") + kColumns +
                  " FROM instances WHERE status <> 'completed' AND status <> 'failed' AND status <> 'cancelled' "
                  "AND status <> 'timeout' ORDER BY id");
  return read_rows<InstanceRow>(q, read_instance);
}

namespace {

// The live instances of a chunk, through the partial index of live instances, with the next
// timeline index and log sequence number of each (by their primary keys).
constexpr const char* kLiveChunk =
    " , (SELECT COALESCE(MAX(s.idx) + 1, 0) FROM steps s WHERE s.instance_id = instances.id),"
    " (SELECT COALESCE(MAX(l.seq) + 1, 1) FROM instance_log l WHERE l.instance_id = instances.id)"
    " FROM instances WHERE status <> 'completed' AND status <> 'failed' AND status <> 'cancelled' AND status <> 'timeout'"
    " AND id > ?1 ORDER BY id LIMIT ?2";
// The open steps and the waits of the live instances with ids from ?1 to ?2; the join keeps to
// live instances (read first: CROSS JOIN keeps the order), so the ended ones among them cost
// nothing.
constexpr const char* kLiveChunkSteps =
    "SELECT s.instance_id, s.idx, s.kind, s.name, s.effect_seq, s.status, s.started_at, s.ended_at, s.attempt "
    "FROM instances i CROSS JOIN steps s ON s.instance_id = i.id "
    "WHERE i.status <> 'completed' AND i.status <> 'failed' AND i.status <> 'cancelled' AND i.status <> 'timeout' "
    "AND i.id BETWEEN ?1 AND ?2 AND s.status = 'running' "
    "ORDER BY i.id, s.idx";
constexpr const char* kLiveChunkWaits =
    "SELECT instance_id, seq, fiber, kind, args, created_at, due_at, withheld FROM waits WHERE instance_id BETWEEN ?1 AND ?2 "
    "ORDER BY instance_id, seq";

}  // namespace

std::vector<std::string> live_chunk_sql() {
  return {std::string("SELECT ") + kColumns + kLiveChunk, kLiveChunkSteps, kLiveChunkWaits};
}

Result<std::vector<RecoveredInstance>> live_chunk(Database& db, int64_t after, int64_t most) {
  using Answer = Result<std::vector<RecoveredInstance>>;
  const std::vector<std::string> sql = live_chunk_sql();
  std::vector<RecoveredInstance> out;
  {
    Query q(db, sql[0]);
    q->bind(1, after).bind(2, most);
    auto rows = read_rows<RecoveredInstance>(q, [](const Statement& s, RecoveredInstance& r, std::string& error) {
      if (!read_instance(s, r.row, error)) return false;
      r.next_step = s.column_int64(28);
      r.next_log_seq = s.column_int64(29);
      return true;
    });
    if (!rows.ok()) return Answer::failure(rows.error());
    out = std::move(*rows);
  }
  if (out.empty()) return out;
  const int64_t first = out.front().row.id, last = out.back().row.id;
  // Each row goes to its instance; both lists are in instance order, so one pass places them.
  auto place = [&out](auto& items, auto member) {
    size_t k = 0;
    for (auto& item : items) {
      while (k < out.size() && out[k].row.id < item.instance_id) ++k;
      if (k < out.size() && out[k].row.id == item.instance_id) (out[k].*member).push_back(std::move(item));
    }
  };
  Query steps_query(db, sql[1]);
  steps_query->bind(1, first).bind(2, last);
  auto steps = read_rows<StepRow>(steps_query, [](const Statement& s, StepRow& r, std::string& error) {
    r.instance_id = s.column_int64(0);
    return read_step_at(s, 1, r, error);
  });
  if (!steps.ok()) return Answer::failure(steps.error());
  place(*steps, &RecoveredInstance::open_steps);
  Query waits_query(db, sql[2]);
  waits_query->bind(1, first).bind(2, last);
  auto waits = read_rows<WaitRow>(waits_query, [](const Statement& s, WaitRow& w, std::string& error) {
    w.instance_id = s.column_int64(0);
    return read_wait_at(s, 1, w, error);
  });
  if (!waits.ok()) return Answer::failure(waits.error());
  place(*waits, &RecoveredInstance::waits);
  return out;
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
  Query q(db, "SELECT seq, fiber, kind, args, created_at, due_at, withheld FROM waits WHERE instance_id = ?1 ORDER BY seq");
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

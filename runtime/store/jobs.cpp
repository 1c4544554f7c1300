// The jobs table's statements and row mapping (see jobs.h).
#include "runtime/store/jobs.h"

#include <string>

namespace wf::store::jobs {

namespace {

constexpr const char* kColumns =
    "id, org_id, instance_id, effect_seq, host_index, host, attempt, spec, description, priority, status, scheduled_at, "
    "dispatched_at, started_at, ended_at, agent_id, exit_code, stdout, stderr, stdout_truncated, stderr_truncated, "
    "duration_ms, error, cancel_requested_at, delay_ms, script, script_definition_id, script_version";

// The one mapping of a job row, from a statement selecting kColumns; false with `error` for a
// row the store should never hold.
bool read_job(const Statement& s, JobRow& j, std::string& error) {
  j.id = s.column_int64(0);
  j.org_id = s.column_int64(1);
  j.instance_id = optional_int(s, 2);
  j.effect_seq = optional_int(s, 3);
  j.host_index = optional_int(s, 4);
  j.host = s.column_text(5);
  j.attempt = s.column_int64(6);
  j.spec = s.column_text(7);
  j.description = s.column_text(8);
  j.priority = s.column_int64(9);
  if (!column_enum(s, 10, j.status, error)) return false;
  j.scheduled_at = s.column_int64(11);
  j.dispatched_at = optional_int(s, 12);
  j.started_at = optional_int(s, 13);
  j.ended_at = optional_int(s, 14);
  j.agent_id = optional_int(s, 15);
  j.exit_code = optional_int(s, 16);
  j.stdout_text = s.column_text(17);
  j.stderr_text = s.column_text(18);
  j.stdout_truncated = s.column_int64(19) != 0;
  j.stderr_truncated = s.column_int64(20) != 0;
  j.duration_ms = optional_int(s, 21);
  j.error = s.column_text(22);
  j.cancel_requested_at = optional_int(s, 23);
  j.delay_ms = s.column_int64(24);
  if (!s.column_is_null(25))
    j.script = JobScript{s.column_text(25), s.column_int64(26), s.column_int64(27)};
  return true;
}

// Each filter's condition written only when it filters, so that every combination is a plain
// conjunction an index serves (see instances.cpp).
std::string where(const JobFilter& f) {
  std::string w = " FROM jobs WHERE org_id = ?1 AND removed_at IS NULL";
  if (!f.status.empty()) w += " AND status = ?2";
  if (!f.host.empty()) w += " AND host = ?3";
  if (f.instance != 0) w += " AND instance_id = ?4";
  return w;
}

void bind_filter(Statement& s, int64_t org, const JobFilter& f) {
  s.bind(1, org);
  if (!f.status.empty()) s.bind(2, std::string_view(f.status));
  if (!f.host.empty()) s.bind(3, std::string_view(f.host));
  if (f.instance != 0) s.bind(4, f.instance);
}

}  // namespace

std::string list_sql(const JobFilter& filter, bool after) {
  return std::string("SELECT ") + kColumns + where(filter) + (after ? " AND id < ?5" : "") + " ORDER BY id DESC LIMIT ?6 OFFSET ?7";
}

std::string count_sql(const JobFilter& filter) { return "SELECT COUNT(*)" + where(filter); }

Result<Page<JobRow>> list(Database& db, int64_t org, const JobFilter& filter, Paging page) {
  return read_keyset_page<JobRow>(
      db, list_sql(filter, page.after.has_value()), page.count ? count_sql(filter) : "", 5, page,
      [&](Statement& s) { bind_filter(s, org, filter); }, read_job);
}

std::string of_script_sql(bool definition, bool after) {
  // `script = ?2` implies the partial index's `script IS NOT NULL`; one key's rows are in id order.
  return std::string("SELECT ") + kColumns + " FROM jobs WHERE org_id = ?1 AND script = ?2 AND removed_at IS NULL" +
         (definition ? " AND script_definition_id = ?3" : "") + (after ? " AND id < ?4" : "") +
         " ORDER BY id DESC LIMIT ?5 OFFSET ?6";
}

std::string of_script_count_sql(bool definition) {
  return std::string("SELECT COUNT(*) FROM jobs WHERE org_id = ?1 AND script = ?2 AND removed_at IS NULL") +
         (definition ? " AND script_definition_id = ?3" : "");
}

Result<Page<JobRow>> of_script(Database& db, int64_t org, std::string_view script, std::optional<int64_t> definition, Paging page) {
  return read_keyset_page<JobRow>(
      db, of_script_sql(definition.has_value(), page.after.has_value()), page.count ? of_script_count_sql(definition.has_value()) : "",
      4, page,
      [&](Statement& s) {
        s.bind(1, org).bind(2, script);
        if (definition) s.bind(3, *definition);
      },
      read_job);
}

Result<std::vector<JobOfEffect>> of_instance(Database& db, int64_t instance) {
  Query q(db, "SELECT id, effect_seq FROM jobs WHERE instance_id = ?1 ORDER BY id");
  q->bind(1, instance);
  return read_rows<JobOfEffect>(q, [](const Statement& s, JobOfEffect& j, std::string&) {
    j = {s.column_int64(0), optional_int(s, 1)};
    return true;
  });
}

bool remove(Database& db, int64_t org, int64_t id, int64_t now, std::string& error) {
  Query q(db, "UPDATE jobs SET removed_at = COALESCE(removed_at, ?3) WHERE id = ?1 AND org_id = ?2");
  q->bind(1, id).bind(2, org).bind(3, now);
  return run(*q, error);
}

Result<std::vector<JobRow>> unfinished(Database& db) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM jobs WHERE status IN ('queued', 'dispatched', 'running') ORDER BY id");
  return read_rows<JobRow>(q, read_job);
}

Result<std::vector<JobRow>> of_effect(Database& db, int64_t instance, uint64_t seq) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM jobs WHERE instance_id = ?1 AND effect_seq = ?2 ORDER BY id");
  q->bind(1, instance).bind(2, static_cast<int64_t>(seq));
  return read_rows<JobRow>(q, read_job);
}

Result<std::optional<JobRow>> find(Database& db, int64_t org, int64_t id) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM jobs WHERE id = ?1 AND org_id = ?2");
  q->bind(1, id).bind(2, org);
  return read_row<JobRow>(q, read_job);
}

Result<std::optional<JobRow>> find_any(Database& db, int64_t id) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM jobs WHERE id = ?1");
  q->bind(1, id);
  return read_row<JobRow>(q, read_job);
}

Result<int64_t> max_id(Database& db) { return read_int(db, "SELECT COALESCE(MAX(id), 0) FROM jobs"); }

}  // namespace wf::store::jobs

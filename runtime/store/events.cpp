// The events table's statements and row mapping (see events.h).
#include "runtime/store/events.h"

#include <string>

namespace wf::store::events {

std::string after_sql(bool instance, bool job) {
  // One instance's events come from its index (instance_id, id); the organization's from the
  // table itself, in id order from the cursor on. Either way the condition is written only when
  // it filters, so the planner sees the column (see instances.cpp). One job's events are the
  // organization's read from the cursor on with its id looked for in each.
  return std::string("SELECT id, org_id, instance_id, at, type, data FROM events WHERE id > ?1 AND org_id = ?2") +
         (instance ? " AND instance_id = ?3" : "") +
         (job ? " AND type LIKE 'job.%' AND json_extract(data, '$.data.job_id') = ?5" : "") + " ORDER BY id LIMIT ?4";
}

Result<std::vector<EventRow>> after(Database& db, int64_t org, std::optional<int64_t> instance, int64_t after_id, int64_t limit,
                                    std::optional<int64_t> job) {
  const bool by_instance = instance.value_or(0) != 0, by_job = job.value_or(0) != 0;
  Query q(db, after_sql(by_instance, by_job));
  q->bind(1, after_id).bind(2, org).bind(4, limit);
  if (by_instance) q->bind(3, *instance);
  if (by_job) q->bind(5, *job);
  return read_rows<EventRow>(q, [](const Statement& s, EventRow& e, std::string&) {
    e.id = s.column_int64(0);
    e.org_id = s.column_int64(1);
    e.instance_id = optional_int(s, 2);
    e.at = s.column_int64(3);
    e.type = s.column_text(4);
    e.data = s.column_text(5);
    return true;
  });
}

Result<int64_t> max_id(Database& db) { return read_int(db, "SELECT COALESCE(MAX(id), 0) FROM events"); }

}  // namespace wf::store::events

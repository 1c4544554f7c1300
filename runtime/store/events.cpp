// The events table's statements and row mapping (see events.h).
#include "runtime/store/events.h"

#include <string>

namespace wf::store::events {

Result<std::vector<EventRow>> after(Database& db, int64_t org, std::optional<int64_t> instance, int64_t after_id, int64_t limit,
                                    std::optional<int64_t> job) {
  Query q(db,
          "SELECT id, org_id, instance_id, at, type, data FROM events WHERE id > ?1 AND org_id = ?2 "
          "AND (?3 = 0 OR instance_id = ?3) "
          "AND (?5 = 0 OR (type LIKE 'job.%' AND json_extract(data, '$.data.job_id') = ?5)) ORDER BY id LIMIT ?4");
  q->bind(1, after_id).bind(2, org).bind(3, instance.value_or(0)).bind(4, limit).bind(5, job.value_or(0));
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

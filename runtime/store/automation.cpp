// The kill switch's rows (see automation.h).
#include "runtime/store/automation.h"

namespace wf::store::automation {

Result<std::vector<AutomationSwitchRow>> switches(Database& db) {
  Query q(db, "SELECT org_id, paused, changed_by, changed_at, reason FROM automation_switch ORDER BY org_id");
  return read_rows<AutomationSwitchRow>(q, [](const Statement& s, AutomationSwitchRow& r, std::string&) {
    r.org_id = s.column_int64(0);
    r.paused = s.column_int64(1) != 0;
    r.changed_by = s.column_text(2);
    r.changed_at = s.column_int64(3);
    r.reason = s.column_text(4);
    return true;
  });
}

}  // namespace wf::store::automation

// One transaction of the service (SPEC §4): everything a transition of an instance changes — its
// row with the new continuation, the effects it now waits for, the jobs, approvals, steps, log
// lines and events it created — written together or not at all.
#pragma once

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "runtime/store/notifications.h"
#include "runtime/store/rows.h"
#include "runtime/store/database.h"

namespace wf::store {

struct Changes {
  std::vector<InstanceRow> instances;  // written whole (insert or replace)
  std::vector<WaitRow> waits_added;
  std::vector<std::pair<int64_t, uint64_t>> waits_removed;  // (instance, seq)
  std::vector<JobRow> jobs;            // written whole
  std::vector<ApprovalRow> approvals;  // written whole
  std::vector<ResponseRow> responses;
  std::vector<StepRow> steps;          // written whole
  std::vector<LogRow> log;
  std::vector<EventRow> events;
  std::vector<SignalRow> signals_added;
  std::vector<SessionRow> sessions_opened;
  std::vector<std::pair<std::string, int64_t>> sessions_checked_in;  // (session, at)
  std::vector<SessionClose> sessions_closed;
  // Instances that ended: every session of theirs still open is closed (instance_ended) at `at`.
  std::vector<std::pair<int64_t, int64_t>> instance_sessions_closed;  // (instance, at)
  std::vector<std::pair<int64_t, std::string>> signals_taken;  // (instance, event): the oldest one
  std::vector<AutomationSwitchRow> automation;  // written whole
  std::vector<NotificationRow> notifications;  // written whole
  std::vector<NotificationAttemptRow> notification_attempts;
  std::vector<LateLogRow> late_log;
  // A schedule's tick: its advance and its record, in the unit of the start it made, so a crash
  // neither loses nor repeats it.
  std::vector<ScheduleRow> schedules;  // written whole
  std::vector<TickRow> ticks;

  bool empty() const;
  // Appends `other`'s rows (for several transitions that share one unit of work).
  void append(Changes&& other);
};

// Writes `changes` inside the caller's transaction. False with `error` set on a store error.
// The last version of each row when a unit holds several (an instance that went through two
// transitions, a step opened and closed in one): only it is written, and only it tells what the
// unit left.
template <class Row, class Key>
std::vector<const Row*> last_of_each(const std::vector<Row>& rows, Key key) {
  std::vector<const Row*> out;
  if (rows.size() == 1) {
    out.push_back(&rows[0]);
    return out;
  }
  std::set<decltype(key(rows[0]))> seen;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it)
    if (seen.insert(key(*it)).second) out.push_back(&*it);
  std::reverse(out.begin(), out.end());
  return out;
}

bool write_changes(store::Database& db, const Changes& changes, std::string& error);

}  // namespace wf::store

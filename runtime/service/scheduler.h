// The scheduler of `wf serve` (SPEC §4.5): every live schedule on one timeline ordered by its next
// due time, with one libuv timer armed for the earliest — never a timer per schedule, never a
// poll of them all. A tick's start (an instance, or a recurring job's child jobs), its record and
// the schedule's advance are one unit of the engine's writer, so a crash neither loses nor
// repeats a tick: after a restart, a due time not advanced past is still due.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/service/api_support.h"
#include "runtime/store/rows.h"

namespace wf::service {

// Threading: the loop thread only.
class Scheduler final : public engine::PostCommit {
 public:
  explicit Scheduler(Context& c);
  ~Scheduler() override;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Loads the live schedules and arms the timer; once the engine has recovered its instances,
  // which the overlap policy asks about. False with `error` when the store cannot say.
  bool start(std::string& error);
  bool started() const { return started_; }
  // Stops the timer and closes its handle.
  void close();

  // The schedule as the scheduler holds it (the newest version of a live one), or null.
  const store::ScheduleRow* live(int64_t org, int64_t id) const;
  // Stores a changed schedule (an edit, a pause, a removal) in order with the ticks' units, and
  // puts it on the timeline as it now is; `done` hears whether it committed.
  void save(store::ScheduleRow row, engine::Done done);
  // A schedule the store has just made.
  void adopt(const store::ScheduleRow& row);

  // A committed unit: the end of a run a `buffer_one` tick waits for lets that tick start.
  void released(const store::Changes& committed) override;

 private:
  void place(const store::ScheduleRow& row);
  void unplace(int64_t id);
  void arm();
  static void on_timer(uv_timer_t* handle);
  void fire_due();
  void tick(int64_t id, int64_t now);
  // Starts what the schedule starts for due time `due` with the schedule's rows in its unit;
  // records a failed tick when the start cannot be made.
  void launch(int64_t id, int64_t due, int64_t now, const std::string& detail, store::Changes ch);
  // Whether the run the schedule's last tick started is still going.
  bool previous_running(const store::ScheduleRow& row) const;
  void wait_for_previous(const store::ScheduleRow& row);
  void release_buffered(int64_t id);
  void commit(int64_t id, store::Changes ch);
  engine::Done tick_stored(int64_t id);
  // After a unit that did not commit: the schedule goes back to what the store holds.
  void reload(int64_t id);

  Context& c_;
  uv_timer_t timer_{};
  bool started_ = false, closed_ = false;
  std::map<int64_t, store::ScheduleRow> rows_;        // every live schedule, by id
  std::set<std::pair<int64_t, int64_t>> timeline_;    // (next due, schedule)
  std::map<int64_t, int64_t> waiting_on_instance_;    // buffer_one: instance → schedule
  std::map<int64_t, int64_t> waiting_on_job_;         // buffer_one: job → schedule
  std::vector<int64_t> released_;                     // schedules whose buffered tick may start
};

}  // namespace wf::service

// Following a workflow's `@schedule` (see schedule_annotations.h).
#include "runtime/log/log.h"
#include "runtime/service/schedule_annotations.h"

#include <fmt/format.h>

#include "effects/clock.h"
#include "effects/workflow_policy.h"
#include "runtime/service/schedule_times.h"
#include "runtime/service/scheduler.h"
#include "runtime/store/definitions.h"
#include "runtime/store/schedules.h"

namespace wf::service {

namespace {

// The `@schedule` of the definition's published version, when it is active and has one.
std::optional<effects::SchedulePolicy> wanted_schedule(Context& c, const store::DefinitionRow& d) {
  if (!d.active || !d.published_version) return std::nullopt;
  auto program = c.programs->get(d.id, *d.published_version);
  if (!program) return std::nullopt;
  const auto index = bytecode::find_workflow(program->module, d.name);
  if (!index) return std::nullopt;
  return effects::workflow_policy(program->module.workflows[*index]).schedule;
}

}  // namespace

void follow_schedule_annotation(Context& c, int64_t org, int64_t definition, std::function<void()> then) {
  auto say = [definition](const std::string& why) {
    log::error(fmt::format("definition {}: its @schedule could not be followed: {}", definition, why));
  };
  if (!c.scheduler || !c.scheduler->started()) {
    say("the schedules are not loaded yet");
    return then();
  }
  auto d = store::definitions::find(c.reads->connection(), org, definition);
  auto existing = store::schedules::of_annotation(c.reads->connection(), org, definition);
  if (!d.ok() || !existing.ok()) {
    say(d.ok() ? existing.error() : d.error());
    return then();
  }
  const std::optional<effects::SchedulePolicy> wanted = *d ? wanted_schedule(c, **d) : std::nullopt;
  const int64_t now = effects::wall_clock_ms();
  auto saved = [say, then](bool ok, const std::string& error) {
    if (!ok) say(error);
    then();
  };
  const std::string zone = wanted && !wanted->tz.empty() ? wanted->tz : "UTC";
  if (*existing) {
    const store::ScheduleRow* live = c.scheduler->live(org, (*existing)->id);
    store::ScheduleRow row = live ? *live : **existing;
    if (!wanted) {
      row.removed_at = row.updated_at = now;
      row.next_due.reset();
      row.buffered_due.reset();
      return c.scheduler->save(row, saved);
    }
    if (row.expression == wanted->cron && row.zone == zone) return then();
    row.expression = wanted->cron;
    row.zone = zone;
    row.updated_at = now;
    row.next_due = due_after(row, now);
    return c.scheduler->save(row, saved);
  }
  if (!wanted) return then();
  if (const std::string problem = schedule_problem(wanted->cron, zone); !problem.empty()) {
    say(problem);
    return then();
  }
  store::ScheduleRow row;
  row.org_id = org;
  row.definition_id = definition;
  row.workflow = (*d)->name;
  row.name = (*d)->name;
  // A schedule made through the API may have the workflow's name already.
  auto taken = store::schedules::find_by_name(c.reads->connection(), org, row.name);
  if (taken.ok() && *taken) row.name = fmt::format("{}@schedule", (*d)->name);
  row.expression = wanted->cron;
  row.zone = zone;
  row.source = store::ScheduleSource::Annotation;
  row.start_at = now;
  row.created_at = row.updated_at = now;
  row.next_due = due_after(row, now);
  auto made = std::make_shared<store::ScheduleRow>(row);
  c.writer->submit([made](store::Database& db, std::string& error) { return store::schedules::insert(db, *made, made->id, error); },
                   [&c, made, say, then](bool ok, const std::string& error) {
                     if (ok) c.scheduler->adopt(*made);
                     else say(error);
                     then();
                   });
}

}  // namespace wf::service

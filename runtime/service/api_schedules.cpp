// Schedules (SPEC §4.5, docs/api.md "Schedules"): a workflow's or a recurring job's cron schedule,
// created, changed, paused and removed through the API. The scheduler (scheduler.h) holds the
// newest version of each live schedule; every change goes through it, in order with the ticks.
#include <fmt/format.h>

#include "effects/clock.h"
#include "runtime/service/job_request.h"
#include "runtime/service/routes.h"
#include "runtime/service/run_binding.h"
#include "runtime/service/schedule_times.h"
#include "runtime/service/scheduler.h"
#include "runtime/service/views.h"
#include "runtime/store/agents.h"
#include "runtime/store/definitions.h"
#include "runtime/store/schedules.h"

namespace wf::service {

namespace {

nlohmann::json parsed(const std::string& text, nlohmann::json otherwise) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? otherwise : j;
}

nlohmann::json schedule_view(const store::ScheduleRow& r) {
  const nlohmann::json targets = parsed(r.targets, nlohmann::json::object());
  nlohmann::json j = {{"id", r.id},
                      {"name", r.name},
                      {"kind", r.job.empty() ? "workflow" : "job"},
                      {"workflow", r.job.empty() ? nlohmann::json(r.workflow) : nlohmann::json()},
                      {"definition_id", r.definition_id ? nlohmann::json(*r.definition_id) : nlohmann::json()},
                      {"params", parsed(r.params, nlohmann::json::object())},
                      {"hosts", targets.value("hosts", nlohmann::json::array())},
                      {"groups", targets.value("groups", nlohmann::json::array())},
                      {"cron", r.expression},
                      {"tz", r.zone},
                      {"start", time_json(r.start_at)},
                      {"end", time_json(r.end_at)},
                      {"max_recurrences", r.max_recurrences ? nlohmann::json(*r.max_recurrences) : nlohmann::json()},
                      {"overlap", store::name(r.overlap)},
                      {"catch_up_seconds", r.catch_up_ms / 1000},
                      {"paused", r.paused},
                      {"source", store::name(r.source)},
                      {"next_due", time_json(r.next_due)},
                      {"tick_count", r.tick_count},
                      {"last_instance_id", r.last_instance_id ? nlohmann::json(*r.last_instance_id) : nlohmann::json()},
                      {"last_job_ids", parsed(r.last_job_ids, nlohmann::json::array())},
                      {"buffered_due", time_json(r.buffered_due)},
                      {"created_at", time_json(r.created_at)},
                      {"updated_at", time_json(r.updated_at)}};
  if (!r.job.empty()) {
    const nlohmann::json job = parsed(r.job, nlohmann::json::object());
    j["job"] = {{"description", job.value("description", "")}, {"spec", job.value("spec", nlohmann::json::object())}};
    j["hosts"] = job.value("hosts", nlohmann::json::array());
  }
  return j;
}

nlohmann::json tick_view(const store::TickRow& t) {
  return {{"due", time_json(t.due)},
          {"fired_at", time_json(t.fired_at)},
          {"late_ms", t.fired_at - t.due},
          {"outcome", store::name(t.outcome)},
          {"instance_id", t.instance_id ? nlohmann::json(*t.instance_id) : nlohmann::json()},
          {"job_ids", t.job_ids.empty() ? nlohmann::json() : parsed(t.job_ids, nlohmann::json())},
          {"detail", t.detail}};
}

// The schedule `{id}` names (its id or its name) as it stands; nullopt after answering 404 or
// 503.
std::optional<store::ScheduleRow> schedule_of(Context& c, const Principal& who, http::Exchange& x, std::string_view key) {
  std::optional<store::ScheduleRow> row;
  if (auto id = parse_id(key)) {
    auto found = store::schedules::find(c.reads->connection(), who.org_id, *id);
    if (!read_ok(x, found)) return std::nullopt;
    if (*found && !(*found)->removed_at) row = **found;
  }
  if (!row) {
    auto found = store::schedules::find_by_name(c.reads->connection(), who.org_id, std::string(key));
    if (!read_ok(x, found)) return std::nullopt;
    row = *found;
  }
  if (!row) {
    reply_error(x, 404, "not_found", fmt::format("no schedule `{}`", key));
    return std::nullopt;
  }
  // The scheduler's copy is newer than the store's by the units not yet committed.
  if (c.scheduler)
    if (const store::ScheduleRow* live = c.scheduler->live(who.org_id, row->id)) row = *live;
  return row;
}

// Reads the body's schedule fields into `row` (each when given; when `creating`, the required
// ones must be); false after answering 400 (or 404/503 for the workflow or the store).
bool read_fields(Context& c, const Principal& who, http::Exchange& x, const nlohmann::json& body, store::ScheduleRow& row,
                 bool creating) {
  Fields f(body);
  auto cron = f.string("cron", creating);
  auto tz = f.string("tz");
  auto workflow = f.string("workflow");
  const nlohmann::json* job = f.object("job");
  auto overlap = f.string("overlap");
  auto catch_up = f.integer("catch_up_seconds");
  auto max = f.integer("max_recurrences");
  if (!f.ok(x)) return false;
  auto time_field = [&](const char* key, std::optional<int64_t>& out, bool& given) {
    auto it = body.find(key);
    given = it != body.end();
    if (!given || it->is_null()) return true;
    out = parse_time(*it);
    if (!out) reply_error(x, 400, "bad_request", fmt::format("`{}` must be an RFC 3339 time or milliseconds", key));
    return out.has_value();
  };
  std::optional<int64_t> start, end;
  bool start_given = false, end_given = false;
  if (!time_field("start", start, start_given) || !time_field("end", end, end_given)) return false;
  if (creating && (workflow ? 1 : 0) + (job ? 1 : 0) != 1) {
    reply_error(x, 400, "bad_request", "give exactly one of `workflow` (a definition's name or id) and `job` (a recurring job)");
    return false;
  }
  if (!creating && (workflow || job)) {
    reply_error(x, 400, "bad_request", "a schedule's `workflow` or `job` cannot change: remove it and create another");
    return false;
  }
  if (cron) row.expression = *cron;
  if (tz) row.zone = *tz;
  if (const std::string problem = schedule_problem(row.expression, row.zone); !problem.empty()) {
    reply_error(x, 400, "bad_request", problem);
    return false;
  }
  if (overlap) {
    auto policy = store::parse<store::OverlapPolicy>(*overlap);
    if (!policy) {
      reply_error(x, 400, "bad_request", "`overlap` must be " + store::name_list<store::OverlapPolicy>());
      return false;
    }
    row.overlap = *policy;
  }
  if (catch_up) {
    if (*catch_up < 0 || *catch_up > 366LL * 24 * 3600) {
      reply_error(x, 400, "bad_request", "`catch_up_seconds` must be from 0 to a year's seconds");
      return false;
    }
    row.catch_up_ms = *catch_up * 1000;
  }
  if (body.contains("max_recurrences")) {
    if (max && *max < 1) {
      reply_error(x, 400, "bad_request", "`max_recurrences` must be at least 1");
      return false;
    }
    row.max_recurrences = max;
  }
  if (start_given && start) row.start_at = *start;
  if (end_given) row.end_at = end;
  if (row.end_at && *row.end_at < row.start_at) {
    reply_error(x, 400, "bad_request", "`end` is before `start`");
    return false;
  }
  if (job) {
    std::string why;
    auto request = read_job_request(*job, why);
    Fields jf(*job);
    auto hosts = jf.strings("hosts");
    if (why.empty() && !jf.error().empty()) why = "`job`: " + jf.error();
    if (why.empty() && (!hosts || hosts->empty())) why = "`job` needs `hosts`, a list of host names";
    if (!request || !why.empty()) {
      reply_error(x, 400, "bad_request", why.rfind("`job`", 0) == 0 ? why : "`job`: " + why);
      return false;
    }
    for (const std::string& h : *hosts) {
      auto agent = store::agents::find(c.reads->connection(), who.org_id, h);
      if (!read_ok(x, agent)) return false;
      if (!*agent) {
        reply_error(x, 400, "bad_request", fmt::format("no registered host `{}` (hosts register by running `wf agent`)", h));
        return false;
      }
    }
    row.job = nlohmann::json({{"hosts", *hosts},
                              {"spec", request->spec},
                              {"description", request->description},
                              {"priority", request->priority},
                              {"timeout_ms", request->timeout_ms}})
                  .dump();
  }
  std::optional<store::DefinitionRow> definition;  // the workflow's, once read
  if (workflow) {
    auto id = store::definitions::find_id(c.reads->connection(), who.org_id, *workflow);
    if (!read_ok(x, id)) return false;
    if (!*id) {
      reply_error(x, 400, "bad_request", fmt::format("no workflow `{}`", *workflow));
      return false;
    }
    auto d = store::definitions::find(c.reads->connection(), who.org_id, **id);
    if (!read_ok(x, d)) return false;
    row.definition_id = **id;
    row.workflow = *d ? (*d)->name : *workflow;
    definition = std::move(*d);
  }
  const bool retarget = body.contains("params") || body.contains("hosts") || body.contains("groups");
  if (!row.job.empty() && retarget) {
    reply_error(x, 400, "bad_request", "a recurring job's hosts are its `job`'s; it takes no `params`, `hosts` or `groups`");
    return false;
  }
  if (row.definition_id && (creating || retarget)) {
    // The params and targets are bound now, against the version that runs, so a mistake is
    // answered here rather than at every tick; they are bound again at each tick.
    nlohmann::json given = nlohmann::json::object();
    const nlohmann::json old_targets = parsed(row.targets, nlohmann::json::object());
    given["params"] = body.contains("params") ? body["params"] : parsed(row.params, nlohmann::json::object());
    given["hosts"] = body.contains("hosts") ? body["hosts"] : old_targets.value("hosts", nlohmann::json());
    given["groups"] = body.contains("groups") ? body["groups"] : old_targets.value("groups", nlohmann::json());
    if (!definition) {
      auto d = store::definitions::find(c.reads->connection(), who.org_id, *row.definition_id);
      if (!read_ok(x, d)) return false;
      definition = std::move(*d);
    }
    const int64_t v = definition ? store::definitions::running_version(*definition).value_or(0) : 0;
    auto program = v ? c.programs->get(*row.definition_id, v) : nullptr;
    if (!program) {
      reply_error(x, 400, "bad_request", fmt::format("workflow `{}` has no version that can run", row.workflow));
      return false;
    }
    const uint32_t index = bytecode::find_workflow(program->module, row.workflow).value_or(0);
    std::vector<vm::Value> args;
    nlohmann::json params, targets;
    if (!bind_run(c, who, x, program, index, given, args, params, targets)) return false;
    row.params = params.dump();
    row.targets = targets.dump();
  }
  return true;
}

// Answers a schedule's view once its change has committed.
void answer_saved(Context& c, ExchangePtr x, store::ScheduleRow row, int status) {
  c.scheduler->save(row, [x, row, status](bool ok, const std::string& error) {
    if (!ok) return reply_not_stored(*x, error);
    if (status == 204) return x->respond(http::Response{204, {}, ""});
    reply_json(*x, status, schedule_view(row));
  });
}

bool scheduler_ready(Context& c, http::Exchange& x) {
  if (c.scheduler && c.scheduler->started()) return true;
  reply_recovering(x);
  return false;
}

}  // namespace

void list_schedules(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto rows = store::schedules::list(c.reads->connection(), who.org_id);
  if (!read_ok(*x, rows)) return;
  nlohmann::json items = nlohmann::json::array();
  for (store::ScheduleRow& row : *rows) {
    if (c.scheduler)
      if (const store::ScheduleRow* live = c.scheduler->live(who.org_id, row.id)) row = *live;
    items.push_back(schedule_view(row));
  }
  reply_items(*x, std::move(items));
}

void get_schedule(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto row = schedule_of(c, who, *x, p["id"]);
  if (!row) return;
  nlohmann::json j = schedule_view(*row);
  nlohmann::json next = nlohmann::json::array();
  if (row->next_due && !row->paused) {
    store::ScheduleRow ahead = *row;
    next.push_back(time_json(*row->next_due));
    ++ahead.tick_count;
    for (int64_t t : upcoming(ahead, *row->next_due, 9)) next.push_back(time_json(t));
  }
  j["next_fire_times"] = std::move(next);
  auto ticks = store::schedules::ticks(c.reads->connection(), row->id, 20);
  if (!read_ok(*x, ticks)) return;
  nlohmann::json recent = nlohmann::json::array();
  for (const store::TickRow& t : *ticks) recent.push_back(tick_view(t));
  j["ticks"] = std::move(recent);
  reply_json(*x, 200, j);
}

void create_schedule(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  if (!scheduler_ready(c, *x)) return;
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto name = f.string("name", true);
  auto paused = f.boolean("paused");
  if (!f.ok(*x) || !valid_name(*x, "name", *name)) return;
  auto existing = store::schedules::find_by_name(c.reads->connection(), who.org_id, *name);
  if (!read_ok(*x, existing)) return;
  if (*existing) return reply_error(*x, 409, "conflict", fmt::format("a schedule `{}` exists already", *name));
  const int64_t now = effects::wall_clock_ms();
  store::ScheduleRow row;
  row.org_id = who.org_id;
  row.name = *name;
  row.source = store::ScheduleSource::Api;
  row.start_at = now;
  row.created_at = row.updated_at = now;
  row.paused = paused.value_or(false);
  if (!read_fields(c, who, *x, *body, row, true)) return;
  row.next_due = due_after(row, now);
  auto made = std::make_shared<store::ScheduleRow>(row);
  c.writer->submit([made](store::Database& db, std::string& error) { return store::schedules::insert(db, *made, made->id, error); },
                   [&c, x, made](bool ok, const std::string& error) {
                     if (!ok) return reply_not_stored(*x, error);
                     c.scheduler->adopt(*made);
                     reply_json(*x, 201, schedule_view(*made));
                   });
}

void patch_schedule(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  if (!scheduler_ready(c, *x)) return;
  auto body = body_object(r, *x);
  if (!body) return;
  auto row = schedule_of(c, who, *x, p["id"]);
  if (!row) return;
  const std::string expression = row->expression, zone = row->zone;
  const int64_t start = row->start_at;
  const auto end = row->end_at;
  const auto max = row->max_recurrences;
  if (!read_fields(c, who, *x, *body, *row, false)) return;
  const int64_t now = effects::wall_clock_ms();
  row->updated_at = now;
  // A new expression, zone, start, end or maximum counts the next due time afresh, from now.
  if (row->expression != expression || row->zone != zone || row->start_at != start || row->end_at != end ||
      row->max_recurrences != max) {
    row->next_due = next_due(*row, now);
  }
  answer_saved(c, x, *row, 200);
}

void delete_schedule(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  if (!scheduler_ready(c, *x)) return;
  auto row = schedule_of(c, who, *x, p["id"]);
  if (!row) return;
  row->removed_at = row->updated_at = effects::wall_clock_ms();
  row->next_due.reset();
  row->buffered_due.reset();
  answer_saved(c, x, *row, 204);
}

void pause_schedule(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  if (!scheduler_ready(c, *x)) return;
  auto row = schedule_of(c, who, *x, p["id"]);
  if (!row) return;
  row->paused = true;
  row->updated_at = effects::wall_clock_ms();
  answer_saved(c, x, *row, 200);
}

// The due times that passed while it was paused are not caught up: it goes on from now.
void resume_schedule(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  if (!scheduler_ready(c, *x)) return;
  auto row = schedule_of(c, who, *x, p["id"]);
  if (!row) return;
  const int64_t now = effects::wall_clock_ms();
  if (row->paused && row->next_due)
    row->next_due = next_due(*row, now);
  row->paused = false;
  row->updated_at = now;
  answer_saved(c, x, *row, 200);
}

}  // namespace wf::service

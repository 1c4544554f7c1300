// The simulation host (see simulator.h).
#include "simulate/simulator.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "effects/approval_state.h"
#include "effects/clock.h"
#include "effects/job_plan.h"
#include "effects/records.h"
#include "effects/run_state.h"
#include "vm/fiber.h"
#include "vm/render.h"
#include "vm/shape.h"

namespace wf::simulate {

using effects::field;
using effects::field_bool;
using effects::field_int;
using effects::field_string;
using Json = nlohmann::ordered_json;
using stdlib::ErrorKind;
using vm::Value;

namespace {

constexpr uint64_t kFuel = 1'000'000;

std::vector<std::string> rendered_list(const Value& list) {
  std::vector<std::string> out;
  if (list.tag == vm::Tag::List)
    for (const Value& v : vm::as_list(list)) out.push_back(vm::render(v));
  return out;
}

Json duration_or_null(const Value& v) {
  if (v.tag == vm::Tag::Duration) return vm::format_duration(v.i);
  return nullptr;
}

std::string compact(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

bool parse_job(const Json& j, MockJob& out, std::string& error, const std::string& where) {
  if (!j.is_object()) {
    error = where + ": expected an object like {\"exit_code\": 0, \"stdout\": \"...\"}";
    return false;
  }
  for (const auto& [key, value] : j.items()) {
    if (key == "exit_code" && value.is_number_integer()) out.exit_code = value.get<int64_t>();
    else if (key == "stdout" && value.is_string()) out.stdout_text = value.get<std::string>();
    else if (key == "stderr" && value.is_string()) out.stderr_text = value.get<std::string>();
    else if (key == "status" && value.is_string()) out.status = value.get<std::string>();
    else if (key == "hosts") continue;  // read by the caller
    else {
      error = fmt::format("{}: unexpected `{}` (exit_code: int, stdout, stderr, status: string, hosts: object)", where, key);
      return false;
    }
  }
  static const char* kStatuses[] = {"", "completed", "failed", "timeout", "cancelled", "config"};
  for (const char* s : kStatuses)
    if (out.status == s) return true;
  error = fmt::format("{}: unknown status `{}` (completed, failed, timeout, cancelled, config)", where, out.status);
  return false;
}

}  // namespace

// ---- Mocks -------------------------------------------------------------------------------------

bool parse_mocks(const Json& j, Mocks& out, std::string& error) {
  if (!j.is_object()) {
    error = "expected a JSON object mapping run indices, step names and \"event:NAME\" to outcomes";
    return false;
  }
  for (const auto& [key, value] : j.items()) {
    if (key.starts_with("event:")) {
      out.events[key.substr(6)] = value;
      continue;
    }
    MockRun run;
    if (!parse_job(value, run.all, error, fmt::format("\"{}\"", key))) return false;
    if (value.contains("hosts")) {
      const Json& hosts = value["hosts"];
      if (!hosts.is_object()) {
        error = fmt::format("\"{}\": `hosts` must map host names to outcomes", key);
        return false;
      }
      for (const auto& [host, job] : hosts.items()) {
        // A host's outcome starts from the run's own fields, so only what differs need be given.
        MockJob one = run.all;
        if (!parse_job(job, one, error, fmt::format("\"{}\".hosts.\"{}\"", key, host))) return false;
        run.hosts[host] = std::move(one);
      }
    }
    out.runs[key] = std::move(run);
  }
  return true;
}

bool load_mocks(const std::string& path, Mocks& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  auto j = Json::parse(in, nullptr, false);
  if (j.is_discarded()) {
    error = path + ": not valid JSON";
    return false;
  }
  if (!parse_mocks(j, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

// ---- The host ----------------------------------------------------------------------------------

Simulator::Simulator(std::shared_ptr<const vm::Program> program, SimulateOptions options)
    : program_(std::move(program)), options_(std::move(options)), clock_ms_(effects::wall_clock_ms()) {}

int64_t Simulator::now_ms() { return clock_ms_; }

Value Simulator::localhost() {
  return effects::make_host("localhost", "localhost", "127.0.0.1", "linux");
}

// Reading the environment changes nothing, and a simulation should take the path `wf run` would.
Value Simulator::env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  return v ? vm::make_string(v) : Value();
}

Event& Simulator::record(std::string kind) {
  events_.push_back(Event{std::move(kind), Json::object(), {}});
  return events_.back();
}

void Simulator::on_log(uint32_t, const std::string& message) { record("log").fields["message"] = message; }

void Simulator::on_step(uint32_t, const Value& info, vm::StepEvent event) {
  const char* kind = event == vm::StepEvent::Enter ? "step_started" : event == vm::StepEvent::Leave ? "step_completed" : "step_failed";
  record(kind).fields["step"] = field_string(info, "name");
}

void Simulator::on_condition(uint32_t, const std::string& condition, bool value) {
  Event& e = record("condition");
  e.fields["condition"] = condition;
  e.fields["value"] = value;
  e.fields["branch"] = value ? "then" : "else";
}

Report Simulator::simulate(uint32_t workflow_index, std::vector<Value> args) {
  events_.clear();
  runs_ = 0;
  effects_ = 0;
  Report report;
  report.workflow = program_->module.workflows[workflow_index].name;
  Outcome o = run_workflow(workflow_index, std::move(args));
  report.status = o.status;
  report.result = std::move(o.value);
  report.error = std::move(o.error);
  report.events = std::move(events_);
  events_.clear();
  return report;
}

Simulator::Outcome Simulator::run_workflow(uint32_t workflow_index, std::vector<Value> args) {
  const uint32_t saved = current_workflow_;
  current_workflow_ = workflow_index;
  const bytecode::Workflow& w = program_->module.workflows[workflow_index];
  vm::Machine m(program_, *this);
  Outcome out;
  if (!m.start(w.function, std::move(args))) {
    out.error = m.error();
    current_workflow_ = saved;
    return out;
  }
  uint64_t spent = 0;
  bool aborted = false;
  for (;;) {
    const vm::Status s = m.run(kFuel);
    if (s == vm::Status::Completed || s == vm::Status::Failed) break;
    if (s == vm::Status::Running) {
      spent += kFuel;
      if (spent > options_.max_instructions && !aborted) {
        aborted = true;
        m.abort(m.make_error(ErrorKind::Cancelled, fmt::format("simulation stopped after {} instructions", options_.max_instructions)));
      } else if (spent > 2 * options_.max_instructions) {
        // Even the finally blocks do not end: give up on the machine.
        out.error = effects::make_error(ErrorKind::Cancelled, "simulation stopped: the workflow does not end");
        current_workflow_ = saved;
        return out;
      }
    }
    for (const vm::EffectRequest& r : m.take_effects()) {
      if (++effects_ > options_.max_effects && !aborted) {
        aborted = true;
        m.abort(m.make_error(ErrorKind::Cancelled, fmt::format("simulation stopped after {} effects", options_.max_effects)));
      }
      handle(m, r);
    }
    m.take_cancelled();  // every effect is answered as it is asked: nothing is left to stop
    if (effects_ > 2 * options_.max_effects) {
      out.error = effects::make_error(ErrorKind::Cancelled, "simulation stopped: the workflow does not end");
      current_workflow_ = saved;
      return out;
    }
  }
  out.status = m.status();
  out.value = m.result();
  out.error = m.error();
  current_workflow_ = saved;
  return out;
}

void Simulator::handle(vm::Machine& m, const vm::EffectRequest& r) {
  switch (r.kind) {
    case bytecode::EffectKind::Run: handle_run(m, r); break;
    case bytecode::EffectKind::Approve: handle_approve(m, r); break;
    case bytecode::EffectKind::Sleep:
    case bytecode::EffectKind::SleepUntil: handle_sleep(m, r); break;
    case bytecode::EffectKind::Checkout: {
      const std::string identity = field_string(r.args, "identity");
      Event& e = record("would_checkout");
      e.fields["identity"] = identity;
      e.fields["reason"] = field_string(r.args, "reason");
      e.fields["ttl"] = duration_or_null(field(r.args, "ttl"));
      // No session and no secret: only the identity's name is known without a vault.
      m.resume(r.fiber, r.seq, effects::make_credential("", "", "", identity, ""));
      break;
    }
    case bytecode::EffectKind::Checkin:
      record("would_checkin").fields["identity"] = field_string(field(r.args, "credential"), "identity");
      m.resume(r.fiber, r.seq, Value());
      break;
    case bytecode::EffectKind::Notify: {
      Event& e = record("would_notify");
      e.fields["message"] = field_string(r.args, "message");
      e.fields["to"] = rendered_list(field(r.args, "to"));
      m.resume(r.fiber, r.seq, Value());
      break;
    }
    case bytecode::EffectKind::WaitEvent: handle_wait(m, r); break;
    case bytecode::EffectKind::Child: handle_child(m, r); break;
  }
}

void Simulator::handle_run(vm::Machine& m, const vm::EffectRequest& r) {
  const uint64_t index = ++runs_;
  effects::RunState state(r.args, effects::workflow_policy(program_->module.workflows[current_workflow_]).canary);
  const std::string job = field_string(r.args, "job");

  // The steps the run is in, innermost first, through the parallel branches that spawned it.
  std::vector<std::string> steps;
  for (int32_t f = static_cast<int32_t>(r.fiber); f >= 0 && static_cast<size_t>(f) < m.fibers().size();) {
    const vm::Fiber& fiber = *m.fibers()[f];
    for (auto it = fiber.steps.rbegin(); it != fiber.steps.rend(); ++it) steps.push_back(field_string(it->info, "name"));
    f = fiber.parent;
  }
  const MockRun* mock = nullptr;
  std::string mock_key;
  if (auto it = options_.mocks.runs.find(std::to_string(index)); it != options_.mocks.runs.end()) {
    mock = &it->second;
    mock_key = it->first;
  }
  for (size_t i = 0; !mock && i < steps.size(); ++i)
    if (auto it = options_.mocks.runs.find(steps[i]); it != options_.mocks.runs.end()) {
      mock = &it->second;
      mock_key = it->first;
    }

  // Plan every host's job as a real run would, for the command line and for jobs that cannot be
  // made at all (an unknown action, a missing script), which fail as `config` there too. A run
  // `as` a credential gets an empty one: the simulation has no secret to give.
  std::optional<effects::JobCredential> cred;
  const Value& as = field(r.args, "as");
  if (as.tag == vm::Tag::Credential) cred = effects::JobCredential{};
  std::vector<std::string> hosts;
  std::vector<std::optional<std::string>> problems(state.host_count());
  std::string description;
  Json problem_list = Json::array();
  for (size_t i = 0; i < state.host_count(); ++i) {
    hosts.push_back(field_string(state.host(i), "hostname"));
    auto plan = effects::plan_job(program_->module, r.args, state.host(i), cred);
    if (auto* why = std::get_if<std::string>(&plan)) {
      problems[i] = *why;
      problem_list.push_back(fmt::format("{}: {}", hosts.back(), *why));
    } else if (description.empty()) {
      description = std::get<effects::PlannedJob>(plan).description;
    }
  }
  if (description.empty() && state.host_count() == 0) {
    auto plan = effects::plan_job(program_->module, r.args, Value(), cred);
    if (auto* j = std::get_if<effects::PlannedJob>(&plan)) description = j->description;
  }

  Json clauses = Json::object();
  if (const Value& t = field(r.args, "timeout"); t.tag == vm::Tag::Duration) clauses["timeout"] = vm::format_duration(t.i);
  if (const int64_t retry = field_int(r.args, "retry"); retry > 0) {
    clauses["retry"] = retry;
    if (const Value& every = field(r.args, "every"); every.tag == vm::Tag::Duration) clauses["every"] = vm::format_duration(every.i);
    if (const Value& b = field(r.args, "backoff"); b.tag == vm::Tag::Float || b.tag == vm::Tag::Int)
      clauses["backoff"] = b.tag == vm::Tag::Float ? b.f : static_cast<double>(b.i);
  }
  if (as.tag == vm::Tag::Credential) clauses["as"] = field_string(as, "identity");
  if (field_bool(r.args, "canary")) clauses["canary"] = true;
  if (field_bool(r.args, "allow_failure")) clauses["allow_failure"] = true;
  const std::string priority = effects::job_priority(r.args);

  const size_t at = events_.size();
  {
    Event& e = record("would_dispatch");
    e.fields["run"] = index;
    if (!steps.empty()) e.fields["step"] = steps.front();
    e.fields["job"] = job;
    e.fields["hosts"] = hosts;
    e.fields["jobs"] = hosts.size();
    e.fields["command"] = description;
    if (job == "script") {
      e.fields["script"] = field_string(r.args, "script");
      e.fields["params"] = vm::to_json(field(r.args, "params"));
    } else if (job != "shell" && job != "command") {
      e.fields["payload"] = vm::to_json(field(r.args, "payload"));
    }
    e.fields["priority"] = priority;
    e.fields["clauses"] = std::move(clauses);
    if (!problem_list.empty()) e.fields["problems"] = std::move(problem_list);
    e.fields["mock"] = mock ? Json(mock_key) : Json(nullptr);
  }

  std::vector<size_t> round = state.start();
  for (;;) {
    for (size_t i : round) {
      if (problems[i]) {
        state.record(i, {hosts[i], "config", -1, "", *problems[i], 0, 1}, false);
        continue;
      }
      MockJob outcome;
      if (mock) {
        auto it = mock->hosts.find(hosts[i]);
        outcome = it != mock->hosts.end() ? it->second : mock->all;
      }
      std::string status = outcome.status;
      if (status.empty()) status = outcome.exit_code == 0 ? "completed" : "failed";
      const bool retryable = status == "failed" || status == "timeout";
      state.record(i, {hosts[i], status, outcome.exit_code, outcome.stdout_text, outcome.stderr_text, 0, 1}, retryable);
    }
    effects::RunState::Next next = state.next();
    if (next.kind == effects::RunState::Next::Kind::Done) {
      Json& f = events_[at].fields;
      if (next.failed) {
        f["outcome"] = field_string(next.value, "kind");
        m.resume_error(r.fiber, r.seq, std::move(next.value));
      } else {
        f["outcome"] = field_bool(next.value, "ok") ? "ok" : "failures allowed";
        m.resume(r.fiber, r.seq, std::move(next.value));
      }
      return;
    }
    // Hosts dispatched again after a failure are retries; the rest of a canary rollout is not.
    std::vector<std::string> again;
    int64_t attempt = 0;
    for (size_t i : next.hosts)
      if (state.attempt(i) > 1) {
        again.push_back(hosts[i]);
        attempt = std::max(attempt, state.attempt(i));
      }
    if (!again.empty()) {
      Event& e = record("would_retry");
      e.fields["run"] = index;
      e.fields["hosts"] = again;
      e.fields["attempt"] = attempt;
      e.fields["delay"] = vm::format_duration(next.delay_ms);
    }
    clock_ms_ += std::max<int64_t>(0, next.delay_ms);
    round = next.hosts;
  }
}

void Simulator::handle_approve(vm::Machine& m, const vm::EffectRequest& r) {
  effects::ApprovalState state(r.args);
  const bool approve = !options_.reject;
  // The named approvers answer first, then as many stand-ins as the quorum needs.
  std::vector<std::string> responders;
  const Value& by = field(r.args, "by");
  if (by.tag == vm::Tag::List)
    for (const Value& a : vm::as_list(by))
      if (field_string(a, "kind") == "user") responders.push_back(field_string(a, "name"));
  for (int i = 1; i <= 16; ++i) responders.push_back(fmt::format("simulated-approver-{}", i));
  std::vector<std::string> responded;
  for (const std::string& who : responders) {
    responded.push_back(who);
    if (state.respond(who, approve, "", "simulation")) break;
    if (!approve) break;  // one rejection is the simulated answer, whatever the quorum makes of it
  }
  Value approval;
  if (state.decided()) {
    approval = state.approval();
  } else {
    // A quorum that responses alone cannot settle (`all` of a role): the simulated answer decides.
    std::vector<Value> who;
    for (const auto& name : responded) who.push_back(vm::make_string(name));
    approval = effects::make_builtin("Approval", {{"approved", Value::boolean(approve)},
                                                  {"decision", vm::make_string(approve ? "approved" : "rejected")},
                                                  {"responded_by", vm::make_list(std::move(who))},
                                                  {"note", vm::make_string("")},
                                                  {"via", vm::make_string("simulation")},
                                                  {"timed_out", Value::boolean(false)}});
  }
  const bool approved = field_bool(approval, "approved");

  Event& e = record("would_pause_for_approval");
  e.fields["title"] = state.title();
  e.fields["approvers"] = rendered_list(by);
  e.fields["quorum"] = state.quorum();
  e.fields["timeout"] = state.timeout_ms() > 0 ? Json(vm::format_duration(state.timeout_ms())) : Json(nullptr);
  e.fields["statement"] = state.statement();
  e.fields["decision"] = approved ? "approved" : "rejected";

  if (state.statement() && !approved) {
    m.resume_error(r.fiber, r.seq,
                   effects::make_error(ErrorKind::Rejected, "approval \"" + state.title() + "\" was rejected",
                                       vm::from_json(vm::to_json(approval))));
    return;
  }
  m.resume(r.fiber, r.seq, std::move(approval));
}

void Simulator::handle_sleep(vm::Machine& m, const vm::EffectRequest& r) {
  Event& e = record("would_delay");
  int64_t ms = 0;
  if (r.kind == bytecode::EffectKind::SleepUntil) {
    const int64_t until = field_int(r.args, "time");
    ms = std::max<int64_t>(0, until - clock_ms_);
    e.fields["until"] = vm::format_instant(until);
  } else {
    ms = field_int(r.args, "duration");
    if (field_string(r.args, "reason") == "retry_delay") {
      // A step's retry: `every` grows by `backoff` for each attempt after the first.
      const Value& b = field(r.args, "backoff");
      const double backoff = b.tag == vm::Tag::Float ? b.f : b.tag == vm::Tag::Int ? static_cast<double>(b.i) : 1.0;
      ms = static_cast<int64_t>(static_cast<double>(ms) * std::pow(backoff, static_cast<double>(field_int(r.args, "attempt") - 1)));
      e.fields["reason"] = "retry_delay";
    }
  }
  e.fields["duration"] = vm::format_duration(ms);
  clock_ms_ += std::max<int64_t>(0, ms);
  m.resume(r.fiber, r.seq, Value());
}

void Simulator::handle_wait(vm::Machine& m, const vm::EffectRequest& r) {
  const std::string name = field_string(r.args, "event");
  Event& e = record("would_wait");
  e.fields["name"] = name;
  e.fields["timeout"] = duration_or_null(field(r.args, "timeout"));
  auto it = options_.mocks.events.find(name);
  if (it == options_.mocks.events.end()) {
    e.fields["payload"] = nullptr;
    m.resume(r.fiber, r.seq, Value());
    return;
  }
  e.fields["payload"] = it->second;
  m.resume(r.fiber, r.seq, vm::from_json(it->second));
}

void Simulator::handle_child(vm::Machine& m, const vm::EffectRequest& r) {
  const std::string name = field_string(r.args, "workflow");
  const std::optional<uint32_t> index = bytecode::find_workflow(program_->module, name);
  if (!index) {
    m.resume_error(r.fiber, r.seq, effects::make_error(ErrorKind::NotFound, fmt::format("no workflow `{}`", name)));
    return;
  }
  std::vector<Value> args;
  const Value& rec = field(r.args, "args");
  if (rec.tag == vm::Tag::Record) args = vm::as_record(rec).fields;

  Event child{"child_workflow", Json::object(), {}};
  child.fields["workflow"] = name;
  child.fields["args"] = vm::to_json(rec);
  // The child's events collect apart and are hung under its own event when it ends.
  std::vector<Event> parent_events = std::move(events_);
  events_.clear();
  Outcome o = run_workflow(*index, std::move(args));
  child.children = std::move(events_);
  events_ = std::move(parent_events);
  child.fields["status"] = o.status == vm::Status::Completed ? "completed" : "failed";
  child.fields["result"] = o.status == vm::Status::Completed ? vm::to_json(o.value) : Json(nullptr);
  child.fields["error"] = o.status == vm::Status::Completed ? Json(nullptr) : vm::to_json(o.error);
  events_.push_back(std::move(child));
  if (o.status == vm::Status::Completed) m.resume(r.fiber, r.seq, std::move(o.value));
  else m.resume_error(r.fiber, r.seq, std::move(o.error));
}

// ---- Reports -----------------------------------------------------------------------------------

namespace {

Json event_json(const Event& e) {
  Json j = Json::object();
  j["event"] = e.kind;
  for (const auto& [key, value] : e.fields.items()) j[key] = value;
  if (e.kind == "child_workflow") {
    Json children = Json::array();
    for (const Event& c : e.children) children.push_back(event_json(c));
    j["events"] = std::move(children);
  }
  return j;
}

// A host record shown by its name alone: the rest is noise in a one-line summary.
Json brief(const Json& j) {
  if (j.is_object() && j.contains("hostname") && j.contains("primary_ip")) return j["hostname"];
  if (!j.is_structured()) return j;
  Json out = j;
  for (auto& item : out) item = brief(item);
  return out;
}

std::string str(const Json& j) { return j.is_string() ? j.get<std::string>() : compact(j); }

std::string joined(const Json& list) {
  std::vector<std::string> parts;
  for (const Json& x : list) parts.push_back(str(x));
  return fmt::format("{}", fmt::join(parts, ", "));
}

// One line for one event of a report's JSON (its `event` and its fields); see
// docs/simulation.md for the fields. `f` is a copy: a missing field reads as null.
std::string event_line(Json f) {
  const std::string kind = f.value("event", std::string());
  if (kind == "log") return "log: " + str(f["message"]);
  if (kind.starts_with("step_")) return kind + " " + compact(f["step"]);
  if (kind == "condition")
    return fmt::format("condition {} → {} ({})", str(f["condition"]), f["value"].get<bool>() ? "true" : "false", str(f["branch"]));
  if (kind == "would_dispatch") {
    // Scripts and commands say what they are in their command text; typed jobs are named.
    const std::string job = str(f["job"]);
    const bool typed = job != "script" && job != "shell" && job != "command";
    std::string line = fmt::format("would_dispatch #{} on [{}] ({} job{}): {}{}", f["run"].get<uint64_t>(), joined(f["hosts"]),
                                   f["jobs"].get<size_t>(), f["jobs"].get<size_t>() == 1 ? "" : "s", typed ? job + ": " : "",
                                   str(f["command"]));
    if (f.contains("params")) line += " " + compact(f["params"]);
    line += " priority " + str(f["priority"]);
    for (const auto& [key, value] : f["clauses"].items()) line += value.is_boolean() ? " " + key : fmt::format(" {} {}", key, str(value));
    if (f.contains("problems")) line += " problems: " + joined(f["problems"]);
    if (!f["mock"].is_null()) line += fmt::format(" (mock {})", compact(f["mock"]));
    if (f.contains("outcome")) line += " → " + str(f["outcome"]);
    return line;
  }
  if (kind == "would_retry")
    return fmt::format("would_retry #{} on [{}] after {} (attempt {})", f["run"].get<uint64_t>(), joined(f["hosts"]),
                       str(f["delay"]), f["attempt"].get<int64_t>());
  if (kind == "would_pause_for_approval") {
    std::string line = "would_pause_for_approval " + compact(f["title"]);
    if (!f["approvers"].empty()) line += " by " + joined(f["approvers"]);
    line += " quorum " + str(f["quorum"]);
    if (!f["timeout"].is_null()) line += " timeout " + str(f["timeout"]);
    return line + " → " + str(f["decision"]);
  }
  if (kind == "would_delay") {
    if (f.contains("until")) return fmt::format("would_delay until {} ({})", str(f["until"]), str(f["duration"]));
    return "would_delay " + str(f["duration"]) + (f.contains("reason") ? " (" + str(f["reason"]) + ")" : "");
  }
  if (kind == "would_checkout") {
    std::string line = fmt::format("would_checkout {} reason {}", compact(f["identity"]), compact(f["reason"]));
    if (!f["ttl"].is_null()) line += " ttl " + str(f["ttl"]);
    return line;
  }
  if (kind == "would_checkin") return "would_checkin " + compact(f["identity"]);
  if (kind == "would_notify") return fmt::format("would_notify [{}]: {}", joined(f["to"]), str(f["message"]));
  if (kind == "would_wait") {
    std::string line = "would_wait " + compact(f["name"]);
    if (!f["timeout"].is_null()) line += " timeout " + str(f["timeout"]);
    return line + " → " + compact(f["payload"]);
  }
  if (kind == "child_workflow") {
    std::string line = fmt::format("child_workflow {} {} → {}", str(f["workflow"]), compact(brief(f["args"])), str(f["status"]));
    if (f["status"] == "completed") return line + ": " + compact(f["result"]);
    return line + fmt::format(": {}: {}", str(f["error"].value("kind", Json(""))), str(f["error"].value("message", Json(""))));
  }
  Json rest = f;
  rest.erase("event");
  rest.erase("events");
  return kind + " " + compact(rest);
}

void text_lines(const Json& events, int depth, std::string& out) {
  if (!events.is_array()) return;
  for (const Json& e : events) {
    if (!e.is_object()) continue;
    // A message can span lines; its continuation lines keep the event's indentation. An event
    // of another shape (a report from a service of another version) is shown as it came.
    std::string line;
    try {
      line = event_line(e);
    } catch (const Json::exception&) {
      line = compact(e);
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    const std::string indent(static_cast<size_t>(depth) * 2, ' ');
    std::string indented = indent;
    for (char c : line) {
      indented.push_back(c);
      if (c == '\n') indented += indent + "  ";
    }
    out += indented + "\n";
    if (e.contains("events")) text_lines(e["events"], depth + 1, out);
  }
}

}  // namespace

Json report_json(const Report& report) {
  Json j = Json::object();
  j["workflow"] = report.workflow;
  j["status"] = report.status == vm::Status::Completed ? "completed" : "failed";
  j["result"] = report.status == vm::Status::Completed ? vm::to_json(report.result) : Json(nullptr);
  j["error"] = report.status == vm::Status::Completed ? Json(nullptr) : vm::to_json(report.error);
  Json events = Json::array();
  for (const Event& e : report.events) events.push_back(event_json(e));
  j["events"] = std::move(events);
  return j;
}

std::string report_text(const Json& report) {
  auto text = [&](const Json& object, const char* key) {
    return object.is_object() && object.contains(key) ? str(object[key]) : std::string();
  };
  std::string out = "simulating workflow " + text(report, "workflow") + "\n";
  if (report.contains("events")) text_lines(report["events"], 1, out);
  if (text(report, "status") == "completed")
    out += "completed: " + compact(report.value("result", Json())) + "\n";
  else {
    const Json error = report.value("error", Json::object());
    out += fmt::format("failed: {}: {}\n", text(error, "kind"), text(error, "message"));
  }
  return out;
}

std::string report_text(const Report& report) { return report_text(report_json(report)); }

}  // namespace wf::simulate

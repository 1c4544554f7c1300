// The local host (see local_runner.h).
#include "local/local_runner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>
#include <tuple>
#include <utility>

#include "effects/approval_state.h"
#include "effects/clock.h"
#include "effects/job_plan.h"
#include "effects/records.h"
#include "effects/run_state.h"
#include "effects/step_timeout.h"
#include "effects/workflow_policy.h"
#include "jobs/executor.h"
#include "vm/continuation.h"
#include "vm/render.h"

namespace wf::local {

using effects::field;
using effects::field_int;
using effects::field_string;
using stdlib::ErrorKind;
using vm::Value;

namespace {

std::string this_os() {
  struct utsname u;
  if (uname(&u) != 0) return "linux";
  std::string os = u.sysname;
  for (char& c : os) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return os;
}

// Which job failures may pass on a retry (SPEC §1.6): a non-zero exit, a timeout, a lost agent.
bool retryable(jobs::JobOutcome o) {
  return o == jobs::JobOutcome::Failed || o == jobs::JobOutcome::TimedOut || o == jobs::JobOutcome::Internal;
}

}  // namespace

bool load_vault(const std::string& path, std::vector<VaultIdentity>& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_vault(text, path, out, error);
}

bool parse_vault(std::string_view text, const std::string& where, std::vector<VaultIdentity>& out, std::string& error) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("identities") || !j["identities"].is_array()) {
    error = where + ": expected {\"identities\": [...]}";
    return false;
  }
  for (const auto& i : j["identities"]) {
    if (!i.is_object() || !i.contains("name") || !i["name"].is_string()) {
      error = where + ": every identity needs a string `name`";
      return false;
    }
    VaultIdentity v;
    v.name = i["name"].get<std::string>();
    auto text_of = [&](const char* key) { return i.contains(key) && i[key].is_string() ? i[key].get<std::string>() : ""; };
    v.username = text_of("username");
    v.secret = text_of("secret");
    v.credential_type = text_of("credential_type");
    v.domain = text_of("domain");
    v.requires_approval = i.value("requires_approval", false);
    v.rotate_after_use = i.value("rotate_after_use", false);
    v.rotate_host = text_of("rotate_host");
    if (i.contains("secret_length") && i["secret_length"].is_number_integer()) v.secret_length = i["secret_length"].get<int64_t>();
    out.push_back(std::move(v));
  }
  return true;
}

Value local_host_record(const std::string& name) {
  return effects::make_host(name, name, "127.0.0.1", this_os());
}

LocalRunner::LocalRunner(std::shared_ptr<const vm::Program> program, LocalOptions options)
    : program_(std::move(program)), options_(std::move(options)), started_ms_(effects::wall_clock_ms()) {}

template <class... Args>
void LocalRunner::say(const char* format, Args&&... args) {
  if (!options_.timeline) return;
  const int64_t t = effects::wall_clock_ms() - started_ms_;
  *options_.timeline << fmt::format("[{:3}.{:03}s] {}{}\n", t / 1000, t % 1000, std::string(static_cast<size_t>(depth_) * 2, ' '),
                                    fmt::format(fmt::runtime(format), std::forward<Args>(args)...));
  options_.timeline->flush();
}

int64_t LocalRunner::now_ms() { return effects::wall_clock_ms(); }
Value LocalRunner::localhost() { return local_host_record("localhost"); }
Value LocalRunner::env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  return v ? vm::make_string(v) : Value();
}

void LocalRunner::on_log(uint32_t, const std::string& message) { say("log: {}", message); }

void LocalRunner::on_step(uint32_t, const Value& info, vm::StepEvent event) {
  const std::string name = field_string(info, "name");
  switch (event) {
    case vm::StepEvent::Enter: say("step \"{}\" started", name); break;
    case vm::StepEvent::Leave: say("step \"{}\" completed", name); break;
    case vm::StepEvent::Fail: say("step \"{}\" failed", name); break;
  }
  if (event == vm::StepEvent::Enter) {
    open_steps_.push_back(name);
  } else if (auto it = std::find(open_steps_.rbegin(), open_steps_.rend(), name); it != open_steps_.rend()) {
    open_steps_.erase(std::next(it).base());
  }
}

void LocalRunner::on_condition(uint32_t, const std::string& condition, bool value) {
  say("if {} → {}", condition, value ? "true" : "false");
}

int64_t LocalRunner::earliest_deadline() const {
  int64_t earliest = 0;
  for (int64_t d : deadlines_)
    if (d > 0 && (earliest == 0 || d < earliest)) earliest = d;
  return earliest;
}

bool LocalRunner::stopping() const {
  const int64_t deadline = earliest_deadline();
  return cancelled() || (deadline > 0 && effects::wall_clock_ms() >= deadline);
}

void LocalRunner::wait_ms(int64_t ms, const std::string& why) {
  if (ms <= 0) return;
  if (options_.fast) {
    say("{} {} (skipped: --fast)", why, vm::format_duration(ms));
    return;
  }
  say("{} {}", why, vm::format_duration(ms));
  if (!options_.cancel && !options_.countdown && earliest_deadline() == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return;
  }
  // In slices, so that an interrupt or a @timeout ends the wait within a tenth of a second and a
  // countdown can be shown.
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
    if (left <= 0 || stopping()) break;
    if (options_.countdown) options_.countdown(left);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(left, 100)));
  }
  if (options_.countdown) options_.countdown(0);
}

RunOutcome LocalRunner::run(uint32_t workflow_index, std::vector<Value> args) {
  const uint32_t saved = current_workflow_;
  current_workflow_ = workflow_index;
  const bytecode::Workflow& w = program_->module.workflows[workflow_index];
  say("workflow {} started", w.name);
  std::vector<std::string> parent_steps = std::exchange(open_steps_, {});
  // The @timeout runs from the start, as the engine arms it (engine_start.cpp).
  const int64_t timeout_ms = effects::workflow_policy(w).timeout_ms;
  const size_t own = deadlines_.size();
  deadlines_.push_back(timeout_ms > 0 ? effects::wall_clock_ms() + timeout_ms : 0);
  auto m = std::make_unique<vm::Machine>(program_, *this);
  RunOutcome out;
  if (!m->start(w.function, std::move(args))) {
    out.status = vm::Status::Failed;
    out.error = m->error();
  } else {
    bool lost = false;
    bool aborted = false;
    for (;;) {
      if (cancelled() && !aborted) {
        // Once: the abort runs finally blocks and checkins, which may still ask for effects.
        aborted = true;
        m->abort(effects::make_error(ErrorKind::Cancelled, "interrupted by the operator"));
      }
      const int64_t now = effects::wall_clock_ms();
      if (!aborted && deadlines_[own] > 0 && now >= deadlines_[own]) {
        // Its own @timeout: it ends `timeout`, and its finally blocks run without the limit.
        aborted = true;
        deadlines_[own] = 0;
        m->abort(effects::make_error(ErrorKind::Timeout, effects::kWorkflowTimeoutMessage));
      }
      bool outer_expired = false;
      for (size_t i = 0; i < own; ++i) outer_expired |= deadlines_[i] > 0 && now >= deadlines_[i];
      if (!aborted && outer_expired) {
        // A child whose parent's @timeout expired is stopped; the parent then ends `timeout`.
        aborted = true;
        m->abort(effects::make_error(ErrorKind::Cancelled, "the workflow that started it timed out"));
      }
      const vm::Status s = m->run(1'000'000);
      if (s == vm::Status::Completed || s == vm::Status::Failed) break;
      std::vector<vm::EffectRequest> requests = m->take_effects();
      m->take_cancelled();  // jobs here run to completion before their effect returns
      if (requests.empty() && s == vm::Status::Waiting) {
        // Nothing runs and nothing is awaited: the instance could never go on. A guard; the VM
        // should not get here.
        m->abort(effects::make_error(ErrorKind::Failed, "the instance waits for nothing and cannot go on"));
        continue;
      }
      if (options_.suspend_at_effects && !requests.empty()) {
        // The effects are taken (a host records them with the continuation); nothing of the old
        // machine survives but the bytes.
        const std::vector<uint8_t> bytes = vm::snapshot(*m);
        m.reset();
        m = std::make_unique<vm::Machine>(program_, *this);
        if (const vm::RestoreResult restored = vm::restore(*m, bytes); !restored.ok()) {
          out.status = vm::Status::Failed;
          out.error = effects::make_error(ErrorKind::Failed, "the continuation could not be restored: " + restored.error);
          lost = true;
          break;
        }
      }
      for (const vm::EffectRequest& r : requests) handle(*m, r);
    }
    if (!lost) {
      out.status = m->status();
      out.value = m->result();
      out.error = m->error();
    }
  }
  deadlines_.pop_back();
  if (out.status == vm::Status::Completed) say("workflow {} completed", w.name);
  else say("workflow {} failed: {}: {}", w.name, field_string(out.error, "kind"), field_string(out.error, "message"));
  current_workflow_ = saved;
  open_steps_ = std::move(parent_steps);
  return out;
}

void LocalRunner::handle(vm::Machine& m, const vm::EffectRequest& r) {
  // A timed step bounds the effect: already out of time, it is answered so at once; otherwise its
  // deadline joins the @timeouts that stop waits and jobs early, and answer() reports it.
  const std::optional<vm::StepDeadline> step = effects::effect_deadline(m, r);
  if (step && effects::wall_clock_ms() >= step->at) {
    say("step \"{}\" timed out", field_string(step->info, "name"));
    m.resume_error(r.fiber, r.seq, effects::step_timeout_error(*step));
    return;
  }
  deadlines_.push_back(step ? step->at : 0);
  perform(m, r);
  deadlines_.pop_back();
}

void LocalRunner::answer(vm::Machine& m, const vm::EffectRequest& r, Value outcome, bool is_error) {
  // Whatever the effect ended with, a step whose time ran out meanwhile ends it with `timeout`.
  if (const std::optional<vm::StepDeadline> step = effects::effect_deadline(m, r); step && effects::wall_clock_ms() >= step->at) {
    say("step \"{}\" timed out", field_string(step->info, "name"));
    m.resume_error(r.fiber, r.seq, effects::step_timeout_error(*step));
  } else if (is_error) {
    m.resume_error(r.fiber, r.seq, std::move(outcome));
  } else {
    m.resume(r.fiber, r.seq, std::move(outcome));
  }
}

void LocalRunner::perform(vm::Machine& m, const vm::EffectRequest& r) {
  switch (r.kind) {
    case bytecode::EffectKind::Run: handle_run(m, r); break;
    case bytecode::EffectKind::Approve: handle_approve(m, r); break;
    case bytecode::EffectKind::Sleep:
    case bytecode::EffectKind::SleepUntil: handle_sleep(m, r); break;
    case bytecode::EffectKind::Checkout: handle_checkout(m, r); break;
    case bytecode::EffectKind::Checkin: {
      const std::string session = field_string(field(r.args, "credential"), "session");
      auto it = sessions_.find(session);
      if (it != sessions_.end()) {
        const VaultIdentity& v = it->second;
        say("checkin {}{}", v.name,
            v.rotate_after_use ? fmt::format(" (would rotate: a new {}-character secret, set by its rotate_script on {}; this run changes "
                                             "nothing)",
                                             v.secret_length, v.rotate_host.empty() ? "its rotate_host" : v.rotate_host)
                               : std::string());
        sessions_.erase(it);
      }
      answer(m, r, Value());
      break;
    }
    case bytecode::EffectKind::Notify: {
      std::vector<std::string> to;
      const Value& channels = field(r.args, "to");
      if (channels.tag == vm::Tag::List)
        for (const Value& c : vm::as_list(channels)) to.push_back(vm::render(c));
      const std::string message = field_string(r.args, "message");
      say("notify {}: {}", fmt::join(to, ", "), message);
      if (options_.notify) {
        const LocalNotification n{program_->module.workflows[current_workflow_].name,
                                  open_steps_.empty() ? std::string() : open_steps_.back(), message, to};
        // Under the `notify` line, aligned with its text.
        const std::string indent(11 + static_cast<size_t>(depth_) * 2 + 2, ' ');
        for (const std::string& line : options_.notify(n))
          if (options_.timeline) *options_.timeline << (line.empty() ? "" : indent) << line << "\n";
        if (options_.timeline) options_.timeline->flush();
      }
      answer(m, r, Value());
      break;
    }
    case bytecode::EffectKind::WaitEvent: {
      const std::string name = field_string(r.args, "event");
      auto it = options_.events.find(name);
      if (it != options_.events.end()) {
        say("event \"{}\" received", name);
        auto j = nlohmann::ordered_json::parse(it->second, nullptr, false);
        answer(m, r, j.is_discarded() ? vm::make_string(it->second) : vm::from_json(j));
        break;
      }
      const int64_t timeout = field_int(r.args, "timeout");
      if (timeout > 0) {
        wait_ms(timeout, fmt::format("waiting for event \"{}\", which this run cannot receive:", name));
        answer_error(m, r, effects::make_error(ErrorKind::Timeout, fmt::format("event \"{}\" did not arrive", name)));
      } else {
        answer_error(m, r, effects::make_error(ErrorKind::Config, fmt::format("event \"{}\" cannot arrive in a local run; pass --event {}=JSON", name, name)));
      }
      break;
    }
    case bytecode::EffectKind::Child: handle_child(m, r); break;
  }
}

void LocalRunner::handle_run(vm::Machine& m, const vm::EffectRequest& r) {
  effects::RunState state(r.args, effects::workflow_policy(program_->module.workflows[current_workflow_]).canary);
  // The credential for `as`: fetched from the vault for these jobs only.
  std::optional<effects::JobCredential> cred;
  const Value& as = field(r.args, "as");
  if (as.tag == vm::Tag::Credential) {
    auto it = sessions_.find(field_string(as, "session"));
    if (it == sessions_.end()) {
      answer_error(m, r, effects::make_error(ErrorKind::Permission, "the credential was already checked in"));
      return;
    }
    cred = effects::JobCredential{it->second.username, it->second.domain, it->second.credential_type, it->second.secret};
  }
  std::vector<size_t> round = state.start();
  for (;;) {
    // This round's jobs run side by side, one thread per host. They are stopped once an
    // interrupt comes or a @timeout expires: a watcher turns either into the jobs' cancel flag.
    std::vector<effects::JobOutcomeRecord> outcomes(round.size());
    std::vector<bool> may_retry(round.size(), false);
    std::vector<std::thread> threads;
    std::atomic<bool> stop{false};
    bool round_over = false;  // guarded by `watch`; the watcher is woken when it turns true
    std::mutex watch;
    std::condition_variable round_ended;
    const int64_t deadline = earliest_deadline();
    std::thread watcher;
    if (options_.cancel || deadline > 0)
      watcher = std::thread([&] {
        std::unique_lock lock(watch);
        while (!round_ended.wait_for(lock, std::chrono::milliseconds(20), [&] { return round_over; }))
          if (cancelled() || (deadline > 0 && effects::wall_clock_ms() >= deadline)) stop.store(true);
      });
    for (size_t k = 0; k < round.size(); ++k) {
      const Value& host = state.host(round[k]);
      auto plan = effects::plan_job(program_->module, r.args, host, cred);
      const std::string name = field_string(host, "hostname");
      if (auto* why = std::get_if<std::string>(&plan)) {
        say("run on {}: {}", name, *why);
        outcomes[k] = {name, "config", -1, "", *why, 0, 1};
        continue;
      }
      auto job = std::get<effects::PlannedJob>(std::move(plan));
      say("run on {}: {}{}", name, job.description, state.attempt(round[k]) > 1 ? fmt::format(" (attempt {})", state.attempt(round[k])) : "");
      threads.emplace_back([&, k, name, spec = std::move(job.spec)] {
        const jobs::JobReport rep = jobs::run_job(spec, &stop);
        outcomes[k] = {name, std::string(jobs::outcome_name(rep.outcome)), rep.exit_code, rep.stdout_text,
                       rep.outcome == jobs::JobOutcome::ConfigError ? rep.error : rep.stderr_text, rep.duration.count(), 1};
        may_retry[k] = retryable(rep.outcome);
      });
    }
    for (auto& t : threads) t.join();
    {
      std::lock_guard lock(watch);
      round_over = true;
    }
    round_ended.notify_one();
    if (watcher.joinable()) watcher.join();
    for (size_t k = 0; k < round.size(); ++k) {
      const auto& o = outcomes[k];
      say("  {}: {} (exit {}, {})", o.host, o.status, o.exit_code, vm::format_duration(o.duration_ms));
      state.record(round[k], o, may_retry[k]);
    }
    effects::RunState::Next next = state.next();
    if (next.kind == effects::RunState::Next::Kind::Done) {
      if (next.failed) answer_error(m, r, std::move(next.value));
      else answer(m, r, std::move(next.value));
      return;
    }
    wait_ms(next.delay_ms, "retrying in");
    if (stopping()) {
      // Interrupted or timed out while waiting to retry: no further attempt starts.
      answer_error(m, r, effects::make_error(ErrorKind::Cancelled, "stopped before the retry"));
      return;
    }
    round = next.hosts;
  }
}

void LocalRunner::handle_approve(vm::Machine& m, const vm::EffectRequest& r) {
  effects::ApprovalState state(r.args);
  say("approval requested: \"{}\" (quorum {})", state.title(), state.quorum());
  bool approve = options_.approve == ApproveMode::Yes;
  std::string note;
  if (options_.approve == ApproveMode::Ask && options_.ask) std::tie(approve, note) = options_.ask(state.title());
  // A local run has one operator, whose answer decides whatever the quorum.
  state.respond("local-operator", approve, note, "cli");
  if (!state.decided()) state.decide(approve);
  say("approval \"{}\": {}", state.title(), approve ? "approved" : "rejected");
  Value rejection = state.statement() ? state.rejection() : Value();
  if (!rejection.is_none()) answer_error(m, r, std::move(rejection));
  else answer(m, r, state.approval());
}

void LocalRunner::handle_sleep(vm::Machine& m, const vm::EffectRequest& r) {
  int64_t ms = 0;
  std::string why = "sleeping";
  if (r.kind == bytecode::EffectKind::SleepUntil) {
    ms = field_int(r.args, "time") - effects::wall_clock_ms();
    why = "sleeping until " + vm::format_instant(field_int(r.args, "time")) + ":";
  } else {
    ms = field_int(r.args, "duration");
    if (field_string(r.args, "reason") == "retry_delay") {
      const Value& b = field(r.args, "backoff");
      const double backoff = b.tag == vm::Tag::Float ? b.f : b.tag == vm::Tag::Int ? static_cast<double>(b.i) : 1.0;
      ms = static_cast<int64_t>(static_cast<double>(ms) * std::pow(backoff, static_cast<double>(field_int(r.args, "attempt") - 1)));
      why = "retrying the step in";
    }
  }
  wait_ms(ms, why);
  answer(m, r, Value());
}

void LocalRunner::handle_checkout(vm::Machine& m, const vm::EffectRequest& r) {
  const std::string name = field_string(r.args, "identity");
  const VaultIdentity* identity = nullptr;
  for (const auto& v : options_.vault)
    if (v.name == name) identity = &v;
  if (!identity) {
    answer_error(m, r, effects::make_error(ErrorKind::NotFound, fmt::format("no identity `{}` in the vault (pass --vault FILE)", name)));
    return;
  }
  if (identity->requires_approval) {
    bool approve = options_.approve == ApproveMode::Yes;
    std::string note;
    if (options_.approve == ApproveMode::Ask && options_.ask)
      std::tie(approve, note) = options_.ask(fmt::format("checkout {}: {}", name, field_string(r.args, "reason")));
    if (!approve) {
      // As the service answers a rejected checkout approval.
      answer_error(m, r, effects::make_error(ErrorKind::Permission, fmt::format("checkout of `{}` was not approved: rejected{}", name,
                                                                               note.empty() ? "" : fmt::format(" ({})", note))));
      return;
    }
  }
  const std::string session = fmt::format("local-{}", next_session_++);
  sessions_[session] = *identity;
  say("checkout {} as {} ({})", name, identity->username, field_string(r.args, "reason"));
  answer(m, r, effects::make_credential(identity->username, identity->domain, identity->credential_type, name, session));
}

void LocalRunner::handle_child(vm::Machine& m, const vm::EffectRequest& r) {
  const std::string name = field_string(r.args, "workflow");
  const std::optional<uint32_t> index = bytecode::find_workflow(program_->module, name);
  if (!index) {
    answer_error(m, r, effects::make_error(ErrorKind::NotFound, fmt::format("no workflow `{}`", name)));
    return;
  }
  std::vector<Value> args;
  const Value& rec = field(r.args, "args");
  if (rec.tag == vm::Tag::Record) args = vm::as_record(rec).fields;
  ++depth_;
  RunOutcome child = run(*index, std::move(args));
  --depth_;
  if (child.status == vm::Status::Completed) answer(m, r, std::move(child.value));
  else answer_error(m, r, std::move(child.error));
}

}  // namespace wf::local

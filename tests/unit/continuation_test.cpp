// Continuations (vm/continuation.h): snapshot → restore → snapshot gives the same bytes; a run
// that is written out and restored at every stop ends exactly like one that is not (the samples
// and a set of workflows, under a deterministic host and under `wf run`'s LocalRunner); effects
// are idempotent by seq; and corrupt or hostile bytes are refused cleanly.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "effects/approval_state.h"
#include "effects/records.h"
#include "effects/run_state.h"
#include "bytecode/module_codec.h"
#include "local/local_runner.h"
#include "lower/compile.h"
#include "vm/continuation.h"
#include "vm/fiber.h"
#include "vm/machine.h"
#include "vm/render.h"

namespace wf {
namespace {

namespace fs = std::filesystem;
using stdlib::ErrorKind;
using vm::Value;

// ---- Programs ---------------------------------------------------------------------------------

std::shared_ptr<const vm::Program> load(CompileResult r, const std::string& what) {
  if (!r.module) {
    std::string shown = r.error;
    for (const Diagnostic& d : r.compilation->diagnostics().all()) shown += "\n  " + d.message;
    for (const Diagnostic& d : r.lowering.all()) shown += "\n  " + d.message;
    ADD_FAILURE() << what << " does not compile: " << shown;
    return nullptr;
  }
  std::string error;
  auto p = vm::load_program(std::move(*r.module), error);
  EXPECT_TRUE(p) << what << ": " << error;
  return p;
}

std::shared_ptr<const vm::Program> compile_source(const std::string& text) {
  return load(compile_text("continuation_test.wf", text), text.substr(0, 200));
}

std::shared_ptr<const vm::Program> compile_path(const fs::path& path) {
  return load(compile_file(path.string()), path.string());
}

int workflow_index(const vm::Program& p, const std::string& name) {
  const std::optional<uint32_t> index = bytecode::find_workflow(p.module, name);
  return index ? static_cast<int>(*index) : -1;
}

// Host records; the k-th of a list is tagged and grouped web, app, worker, db in turn, so that
// workflows that pick hosts by tag or group find some.
Value hosts(const std::vector<std::string>& names) {
  static const char* const kRoles[] = {"web", "app", "worker", "db"};
  std::vector<Value> out;
  for (size_t k = 0; k < names.size(); ++k) {
    const Value role = vm::make_list({vm::make_string(kRoles[k % 4])});
    out.push_back(effects::make_builtin("host", {{"id", vm::make_string(names[k])},
                                                 {"hostname", vm::make_string(names[k])},
                                                 {"primary_ip", vm::make_string("10.0.0." + std::to_string(k + 1))},
                                                 {"os", vm::make_string("linux")},
                                                 {"tags", role},
                                                 {"groups", role}}));
  }
  return vm::make_list(std::move(out));
}

std::string shown(const Value& v) { return v.is_none() ? "none" : vm::render(v); }

// ---- A deterministic host ---------------------------------------------------------------------

// What the fake world answers. Jobs succeed (with `stdout_text`) except on `failing` hosts;
// approvals go `approve`; events come from `events`; the clock stands still.
struct World {
  bool approve = true;
  std::string stdout_text = "{}";
  std::set<std::string> failing;
  std::map<std::string, std::string> events;
};

struct Outcome {
  vm::Status status = vm::Status::Failed;
  std::string value, error;  // rendered
  std::string transcript;    // every log line, step event, condition and effect, in order
  size_t suspensions = 0;
  Value result_value, error_value;
};

// Runs workflows like LocalRunner does, against World instead of this machine. With `suspend`,
// every time the machine stops (out of fuel or waiting for effects) it is written to a
// continuation, destroyed, and replaced by a fresh machine restored from the bytes alone; each
// restored machine must snapshot back to the very same bytes.
class FakeHost : public vm::Host {
 public:
  FakeHost(std::shared_ptr<const vm::Program> program, World world, bool suspend, uint64_t fuel)
      : program_(std::move(program)), world_(std::move(world)), suspend_(suspend), fuel_(fuel) {}

  // Stops the run (leaving the machine in `paused`) when it returns true for a new batch of
  // effect requests, before they are handled.
  std::function<bool(const vm::Machine&, const std::vector<vm::EffectRequest>&)> pause_when;
  std::unique_ptr<vm::Machine> paused;
  std::vector<vm::EffectRequest> paused_effects;

  Outcome run(uint32_t workflow, std::vector<Value> args) {
    const uint32_t saved = current_;
    current_ = workflow;
    auto m = std::make_unique<vm::Machine>(program_, *this);
    Outcome out;
    if (m->start(program_->module.workflows[workflow].function, std::move(args))) {
      for (;;) {
        const vm::Status s = m->run(fuel_);
        if (s == vm::Status::Completed || s == vm::Status::Failed) break;
        std::vector<vm::EffectRequest> requests = m->take_effects();
        m->take_cancelled();
        if (pause_when && depth_ == 0 && !requests.empty() && pause_when(*m, requests)) {
          paused = std::move(m);
          paused_effects = std::move(requests);
          current_ = saved;
          return out;
        }
        if (suspend_) {
          const std::vector<uint8_t> bytes = vm::snapshot(*m);
          m.reset();
          m = std::make_unique<vm::Machine>(program_, *this);
          const vm::RestoreResult restored = vm::restore(*m, bytes);
          if (!restored.ok()) {
            ADD_FAILURE() << "restore failed: " << restored.error;
            break;
          }
          if (vm::snapshot(*m) != bytes) ADD_FAILURE() << "a restored machine snapshots to other bytes";
          ++suspensions_;
        }
        for (const vm::EffectRequest& r : requests) handle(*m, r);
      }
    }
    out.status = m->status();
    out.result_value = m->result();
    out.error_value = m->error();
    out.value = shown(m->result());
    out.error = shown(m->error());
    out.transcript = transcript_;
    out.suspensions = suspensions_;
    current_ = saved;
    return out;
  }

  void handle(vm::Machine& m, const vm::EffectRequest& r) {
    transcript_ += "effect " + std::string(bytecode::effect_name(r.kind)) + " fiber " + std::to_string(r.fiber) +
                   " seq " + std::to_string(r.seq) + " " + shown(r.args) + "\n";
    switch (r.kind) {
      case bytecode::EffectKind::Run: return handle_run(m, r);
      case bytecode::EffectKind::Approve: {
        effects::ApprovalState state(r.args);
        state.respond("tester", world_.approve, "noted", "test");
        if (!state.decided()) state.expire(world_.approve ? "approved" : "rejected");
        Value rejection = state.statement() ? state.rejection() : Value();
        if (!rejection.is_none()) m.resume_error(r.fiber, r.seq, std::move(rejection));
        else m.resume(r.fiber, r.seq, state.approval());
        return;
      }
      case bytecode::EffectKind::Checkout: {
        const std::string session = "session-" + std::to_string(next_session_++);
        sessions_.insert(session);
        m.resume(r.fiber, r.seq,
                 effects::make_builtin("credential", {{"username", vm::make_string("svc")},
                                                      {"domain", vm::make_string("corp")},
                                                      {"credential_type", vm::make_string("password")},
                                                      {"identity", effects::field(r.args, "identity")},
                                                      {"session", vm::make_string(session)}}));
        return;
      }
      case bytecode::EffectKind::Checkin:
        sessions_.erase(effects::field_string(effects::field(r.args, "credential"), "session"));
        m.resume(r.fiber, r.seq, Value());
        return;
      case bytecode::EffectKind::WaitEvent: {
        auto it = world_.events.find(effects::field_string(r.args, "event"));
        if (it == world_.events.end()) {
          m.resume_error(r.fiber, r.seq, effects::make_error(ErrorKind::Timeout, "no such event"));
          return;
        }
        m.resume(r.fiber, r.seq, vm::from_json(nlohmann::ordered_json::parse(it->second)));
        return;
      }
      case bytecode::EffectKind::Child: {
        const int index = workflow_index(*program_, effects::field_string(r.args, "workflow"));
        std::vector<Value> args;
        const Value& rec = effects::field(r.args, "args");
        if (rec.tag == vm::Tag::Record) args = vm::as_record(rec).fields;
        ++depth_;
        Outcome child = run(static_cast<uint32_t>(index), std::move(args));
        --depth_;
        if (child.status == vm::Status::Completed) m.resume(r.fiber, r.seq, std::move(child.result_value));
        else m.resume_error(r.fiber, r.seq, std::move(child.error_value));
        return;
      }
      case bytecode::EffectKind::Sleep:
      case bytecode::EffectKind::SleepUntil:
      case bytecode::EffectKind::Notify: m.resume(r.fiber, r.seq, Value()); return;
    }
  }

  // vm::Host
  int64_t now_ms() override { return 1'700'000'000'000; }
  Value localhost() override { return local::local_host_record("localhost"); }
  Value env(std::string_view) override { return Value(); }
  void on_log(uint32_t fiber, const std::string& message) override {
    transcript_ += "log " + std::to_string(fiber) + " " + message + "\n";
  }
  void on_step(uint32_t fiber, const Value& info, vm::StepEvent event) override {
    transcript_ += "step " + std::to_string(fiber) + " " + std::to_string(static_cast<int>(event)) + " " + shown(info) + "\n";
  }
  void on_condition(uint32_t fiber, const std::string& condition, bool value) override {
    transcript_ += "if " + std::to_string(fiber) + " " + condition + " " + (value ? "true" : "false") + "\n";
  }

 private:
  void handle_run(vm::Machine& m, const vm::EffectRequest& r) {
    const std::optional<effects::CanaryPolicy> canary = effects::workflow_policy(program_->module.workflows[current_]).canary;
    const Value& as = effects::field(r.args, "as");
    if (as.tag == vm::Tag::Credential && !sessions_.count(effects::field_string(as, "session"))) {
      m.resume_error(r.fiber, r.seq, effects::make_error(ErrorKind::Permission, "the credential was already checked in"));
      return;
    }
    effects::RunState state(r.args, canary);
    std::vector<size_t> round = state.start();
    for (;;) {
      for (size_t k : round) {
        const std::string name = effects::field_string(state.host(k), "hostname");
        const bool bad = world_.failing.count(name) > 0;
        state.record(k, {name, bad ? "failed" : "completed", bad ? 1 : 0, world_.stdout_text, bad ? "boom" : "", 5, 1}, bad);
      }
      effects::RunState::Next next = state.next();
      if (next.kind == effects::RunState::Next::Kind::Done) {
        if (next.failed) m.resume_error(r.fiber, r.seq, std::move(next.value));
        else m.resume(r.fiber, r.seq, std::move(next.value));
        return;
      }
      round = next.hosts;
    }
  }

  std::shared_ptr<const vm::Program> program_;
  World world_;
  bool suspend_;
  uint64_t fuel_;
  uint32_t current_ = 0;
  int depth_ = 0;
  std::string transcript_;
  size_t suspensions_ = 0;
  std::set<std::string> sessions_;
  uint64_t next_session_ = 1;
};

// ---- Arguments for a workflow -------------------------------------------------------------------

const char* kAlert = R"({"labels": {"alertname": "HighLatency", "severity": "Critical"},
                         "annotations": {"summary": "p99 latency above 2s"}})";

// Arguments for every parameter: defaults where the workflow has them, else a value of the type.
std::vector<Value> arguments(const std::shared_ptr<const vm::Program>& p, const bytecode::Workflow& w,
                             const std::vector<std::string>& host_names) {
  std::vector<Value> args;
  for (const auto& param : w.params) {
    std::string type = param.type;
    if (type == "hosts" || type == "list<host>") {
      args.push_back(hosts(host_names));
    } else if (param.default_fn >= 0) {
      FakeHost h(p, World{}, false, 1'000'000);
      vm::Machine m(p, h);
      m.start(static_cast<uint32_t>(param.default_fn), {});
      EXPECT_EQ(m.run(1'000'000), vm::Status::Completed) << "default of " << param.name;
      args.push_back(m.result());
    } else if (type.ends_with("?")) {
      args.emplace_back();
    } else if (type == "string") {
      args.push_back(vm::make_string("alice"));
    } else if (type == "int") {
      args.push_back(Value::integer(3));
    } else if (type == "float") {
      args.push_back(Value::real(1.5));
    } else if (type == "bool") {
      args.push_back(Value::boolean(true));
    } else if (type == "duration") {
      args.push_back(Value::duration(60'000));
    } else if (type == "json") {
      args.push_back(vm::from_json(nlohmann::ordered_json::parse(kAlert)));
    } else if (type == "list<string>") {
      args.push_back(vm::make_list({vm::make_string("a"), vm::make_string("b")}));
    } else if (type == "list<int>") {
      args.push_back(vm::make_list({Value::integer(22), Value::integer(443)}));
    } else {
      ADD_FAILURE() << "no argument for parameter " << param.name << ": " << type;
      args.emplace_back();
    }
  }
  return args;
}

// The outcome of a FakeHost run, keeping the result and error values.
Outcome fake_run(const std::shared_ptr<const vm::Program>& p, uint32_t workflow, std::vector<Value> args, const World& world,
                 bool suspend, uint64_t fuel) {
  FakeHost h(p, world, suspend, fuel);
  return h.run(workflow, std::move(args));
}

// The worlds each workflow runs in: everything fine; hosts failing, odd job output, rejected
// approvals; so that the samples take their error paths as well as their happy ones.
std::vector<World> worlds() {
  std::vector<World> out;
  World fine;
  // One job output that every sample can read what it wants from.
  fine.stdout_text = R"({"used_percent": 42, "free_mb": 12000, "days_left": 12, "status": "ok", "freed_mb": 5,
                         "disk": 42, "load": [0.5, 0.4, 0.3], "mem_available_mb": 900, "disk_used_percent": 42,
                         "seconds": 3})";
  fine.events["backup_done"] = R"({"status": "ok", "bytes": 1024, "name": "nightly", "size_mb": 300,
                                   "finished_at": "2030-01-01T00:00:00Z"})";
  fine.events["go"] = R"({"name": "go", "items": [1, 2.5, null, true, {"z": "w"}]})";
  out.push_back(fine);
  World rough;
  rough.approve = false;
  rough.stdout_text = "12345678.67 4242.00";
  rough.failing = {"web-02"};
  rough.events["backup_done"] = R"({"status": "failed", "size_mb": 0, "finished_at": ""})";
  out.push_back(rough);
  World odd;
  odd.stdout_text = "not json";
  odd.failing = {"web-01", "web-03"};
  out.push_back(odd);
  World numbers;  // plain numbers out, everything succeeds
  numbers.stdout_text = "12345678.67 4242.00";
  out.push_back(numbers);
  World scalars = fine;  // the same JSON with a scalar load
  scalars.stdout_text = R"({"disk": 91, "load": 2.5, "used_percent": 95, "freed_mb": 0})";
  out.push_back(scalars);
  return out;
}

// Runs `workflow` plainly and suspended at every stop, in every world and at two fuel levels
// (a large one, and 2, which stops the machine at nearly every call and backward jump); the two
// runs must agree on everything the host can see.
void expect_suspension_invisible(const std::shared_ptr<const vm::Program>& p, uint32_t workflow, const std::string& what,
                                 size_t& suspensions) {
  int n = 0;
  for (const World& world : worlds()) {
    ++n;
    for (uint64_t fuel : {uint64_t{1'000'000}, uint64_t{2}}) {
      const std::vector<std::string> names = {"web-01", "web-02", "web-03", "web-04"};
      const Outcome plain = fake_run(p, workflow, arguments(p, p->module.workflows[workflow], names), world, false, fuel);
      const Outcome suspended = fake_run(p, workflow, arguments(p, p->module.workflows[workflow], names), world, true, fuel);
      const std::string where = what + " (world " + std::to_string(n) + ", fuel " + std::to_string(fuel) + ")";
      EXPECT_EQ(plain.status, suspended.status) << where;
      EXPECT_EQ(plain.value, suspended.value) << where;
      EXPECT_EQ(plain.error, suspended.error) << where;
      EXPECT_EQ(plain.transcript, suspended.transcript) << where;
      suspensions += suspended.suspensions;
    }
  }
}

std::vector<fs::path> samples() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(WF_SOURCE_DIR) / "samples"))
    if (e.path().extension() == ".wf") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// ---- Workflows of this test -----------------------------------------------------------------------

// Each covers one part of the VM's state a continuation must carry. They run under FakeHost and
// under LocalRunner (whose jobs really run here, so they only run `true` and `false`, and return
// nothing that depends on time).
const std::vector<std::pair<std::string, std::string>>& own_workflows() {
  static const std::vector<std::pair<std::string, std::string>> list = {
      {"loops_and_steps", R"(
workflow main(targets: hosts) -> int {
  var total = 0
  for i in range(4) {
    step "round {{i}}" {
      sleep 1s
      total = total + i
    }
  }
  var n = 0
  while n < 3 {
    n = n + 1
    notify "tick {{n}}" to slack("#t")
  }
  return total * 10 + n
}
)"},
      {"try_finally", R"(
workflow main(targets: hosts) -> string {
  var trail: list<string> = []
  try {
    step "risky" {
      sleep 1s
      fail "boom"
    }
  } catch e {
    trail = trail + ["caught {{e.kind}} in {{e.step}}: {{e.message}}"]
  } finally {
    sleep 2s
    trail = trail + ["finally"]
  }
  try {
    run command ["false"] on targets
  } catch e {
    trail = trail + [e.kind]
  } finally {
    notify "cleanup" to slack("#t")
  }
  return trail.join("; ")
}
)"},
      {"checkout", R"(
workflow main(targets: hosts) -> string {
  var seen = ""
  checkout db = pam "db_admin" reason "maintenance" ttl 30m {
    run command ["true"] on targets as db
    seen = db.username
    approve "go on as {{db.username}}?"
    sleep 1s
  }
  return "ran as {{seen}}"
}
)"},
      {"parallel", R"(
workflow main(targets: hosts) -> int {
  parallel {
    branch "a" {
      sleep 1s
      approve "a?"
      log "a done"
    }
    branch "b" {
      sleep 2s
      notify "b" to slack("#x")
      log "b done"
    }
  }
  parallel for h in targets limit 2 {
    sleep 1s
    log "host {{h.hostname}}"
  }
  return 7
}
)"},
      {"parallel_failure", R"(
workflow main(targets: hosts) -> string {
  try {
    parallel {
      branch "slow" {
        sleep 5s
        sleep 5s
        log "slow done"
      }
      branch "bad" {
        sleep 1s
        fail "branch failed"
      }
    }
  } catch e {
    return "caught {{e.kind}}: {{e.message}}"
  }
  return "no error"
}
)"},
      {"parallel_for_jobs", R"(
workflow main(targets: hosts) -> int {
  var done = 0
  parallel for h in targets {
    let r = run command ["true"] on [h] allow_failure
    sleep 1s
    log "{{h.hostname}}: {{r.succeeded}}"
  }
  for h in targets {
    done = done + 1
  }
  return done
}
)"},
      {"children", R"(
workflow child(n: int) -> int {
  sleep 1s
  approve "child {{n}}?"
  return n * 2
}

workflow main(targets: hosts) -> int {
  let a = child(1)
  let b = child(n: 2)
  return a + b
}
)"},
      {"values", R"(
type Item = { name: string, size: int }

workflow main(targets: hosts) -> string {
  let m = {"a": 1, "b": 2}
  let f = 2.5
  let d = 90s
  let t = now()
  let items: list<Item> = [{name: "x", size: 1}, {name: "y", size: 2}]
  let nested = [[1, 2], [3]]
  let j = parse_json("{\"k\": [1, 2.5, null, true, {\"z\": \"w\"}]}")
  sleep 1s
  let a = approve "values?" by [role("admin"), user("bob")]
  notify "x" to [slack("#a"), email("a@example.org")]
  sleep until t + 1s
  return "{{m}} {{f}} {{d}} {{items}} {{nested}} {{to_json(j)}} {{t - t}} {{a.approved}}"
}
)"},
      {"uncaught", R"(
workflow main(targets: hosts) -> int {
  step "deploy" retry 1 every 1s {
    sleep 1s
    run command ["false"] on targets
  }
  return 1
}
)"},
      {"rejected", R"(
workflow main(targets: hosts) -> int {
  approve "may I?"
  return 1
}
)"},
  };
  return list;
}

// ---- Golden round trips ---------------------------------------------------------------------------

// snapshot → restore → snapshot, and the restored machine finishes like the original.
void expect_round_trip(FakeHost& host, const std::shared_ptr<const vm::Program>& p) {
  ASSERT_TRUE(host.paused) << "the run never paused";
  const std::vector<uint8_t> bytes = vm::snapshot(*host.paused);
  vm::Machine restored(p, host);
  const vm::RestoreResult r = vm::restore(restored, bytes);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(vm::snapshot(restored), bytes);
  // Both go on to the same end.
  auto finish = [&](vm::Machine& m) {
    std::vector<vm::EffectRequest> requests = host.paused_effects;
    for (int rounds = 0; rounds < 1000; ++rounds) {
      for (const auto& req : requests) host.handle(m, req);
      const vm::Status s = m.run(1'000'000);
      if (s == vm::Status::Completed || s == vm::Status::Failed) break;
      requests = m.take_effects();
    }
    return std::make_pair(shown(m.result()), shown(m.error()));
  };
  const auto original = finish(*host.paused);
  EXPECT_EQ(finish(restored), original);
  EXPECT_EQ(host.paused->status(), restored.status());
}

TEST(Continuation, GoldenRoundTripAtAnApproval) {
  auto p = compile_path(fs::path(WF_SOURCE_DIR) / "samples" / "canary_patch_rollout.wf");
  ASSERT_TRUE(p);
  FakeHost host(p, worlds()[0], false, 1'000'000);
  host.pause_when = [](const vm::Machine&, const std::vector<vm::EffectRequest>& rs) {
    return rs[0].kind == bytecode::EffectKind::Approve;
  };
  host.run(0, arguments(p, p->module.workflows[0], {"web-01", "web-02", "web-03"}));
  expect_round_trip(host, p);
}

TEST(Continuation, GoldenRoundTripAtAJoinWithTwoBranchesWaiting) {
  auto p = compile_source(own_workflows()[3].second);
  ASSERT_TRUE(p);
  FakeHost host(p, worlds()[0], false, 1'000'000);
  host.pause_when = [](const vm::Machine& m, const std::vector<vm::EffectRequest>&) {
    const auto& f = m.fibers();
    if (f.size() < 3 || f[0]->state != vm::FiberState::WaitingJoin) return false;
    int waiting = 0;
    for (size_t i = 1; i < f.size(); ++i) waiting += f[i]->state == vm::FiberState::WaitingEffect;
    return waiting == 2;
  };
  host.run(0, {hosts({"web-01", "web-02", "web-03"})});
  ASSERT_TRUE(host.paused);
  EXPECT_EQ(host.paused->fibers()[0]->children.size(), 2u);
  expect_round_trip(host, p);
}

TEST(Continuation, GoldenRoundTripInsideAParallelFor) {
  auto p = compile_source(own_workflows()[3].second);
  ASSERT_TRUE(p);
  FakeHost host(p, worlds()[0], false, 1'000'000);
  host.pause_when = [](const vm::Machine& m, const std::vector<vm::EffectRequest>&) {
    return !m.fibers()[0]->pfor_items.is_none() && m.fibers()[0]->pfor_next == 2;
  };
  host.run(0, {hosts({"web-01", "web-02", "web-03"})});
  ASSERT_TRUE(host.paused);
  EXPECT_EQ(host.paused->fibers()[0]->pfor_limit, 2u);
  expect_round_trip(host, p);
}

// A timed step's deadline is part of the continuation, for the branches started inside it too.
TEST(Continuation, GoldenRoundTripKeepsAStepDeadline) {
  auto p = compile_source(R"(
workflow main(targets: hosts) -> int {
  step "outer" timeout 10m {
    parallel {
      branch "a" { sleep 1s }
      branch "b" { sleep 2s }
    }
  }
  return 1
}
)");
  ASSERT_TRUE(p);
  FakeHost host(p, worlds()[0], false, 1'000'000);
  host.pause_when = [](const vm::Machine&, const std::vector<vm::EffectRequest>& rs) {
    return rs[0].kind == bytecode::EffectKind::Sleep;
  };
  host.run(0, {hosts({"web-01"})});
  ASSERT_TRUE(host.paused);
  const uint32_t branch = host.paused_effects[0].fiber;
  const std::optional<vm::StepDeadline> d = host.paused->step_deadline(branch);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->at, host.now_ms() + 10 * 60 * 1000);
  const std::vector<uint8_t> bytes = vm::snapshot(*host.paused);
  vm::Machine restored(p, host);
  ASSERT_TRUE(vm::restore(restored, bytes).ok());
  const std::optional<vm::StepDeadline> again = restored.step_deadline(branch);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at, d->at);
  EXPECT_FALSE(restored.step_deadline(static_cast<uint32_t>(restored.fibers().size())));
  expect_round_trip(host, p);
}

TEST(Continuation, HeaderNamesFormatAndModule) {
  auto p = compile_source(own_workflows()[9].second);
  ASSERT_TRUE(p);
  FakeHost host(p, World{}, false, 1'000'000);
  host.pause_when = [](const vm::Machine&, const std::vector<vm::EffectRequest>&) { return true; };
  host.run(0, {hosts({"web-01"})});
  ASSERT_TRUE(host.paused);
  const vm::ContinuationData d = vm::capture(*host.paused);
  EXPECT_EQ(d.module_sha256, vm::module_sha256_bytes(p->module_hash));
  EXPECT_EQ(d.version, vm::kContinuationVersion);
  const std::vector<uint8_t> bytes = vm::encode_continuation(d);
  ASSERT_GT(bytes.size(), 17u);
  EXPECT_EQ(bytes[0], 0x9b);  // an array of 11 items
  EXPECT_EQ(std::string(bytes.begin() + 2, bytes.begin() + 17), "wf-continuation");
  EXPECT_EQ(bytes[17], vm::kContinuationVersion);
}

// ---- The suspension property ----------------------------------------------------------------------

TEST(Continuation, SuspendingTheSamplesChangesNothing) {
  size_t workflows = 0, suspensions = 0;
  for (const fs::path& path : samples()) {
    auto p = compile_path(path);
    ASSERT_TRUE(p) << path;
    for (uint32_t w = 0; w < p->module.workflows.size(); ++w) {
      expect_suspension_invisible(p, w, path.filename().string() + ":" + p->module.workflows[w].name, suspensions);
      ++workflows;
    }
  }
  EXPECT_GE(workflows, 9u);
  EXPECT_GT(suspensions, 100u);
  std::printf("samples: %zu workflows, each in 5 worlds at 2 fuel levels; %zu suspensions\n", workflows, suspensions);
}

TEST(Continuation, SuspendingOwnWorkflowsChangesNothing) {
  size_t suspensions = 0;
  for (const auto& [name, text] : own_workflows()) {
    auto p = compile_source(text);
    ASSERT_TRUE(p) << name;
    expect_suspension_invisible(p, static_cast<uint32_t>(workflow_index(*p, "main")), name, suspensions);
  }
  EXPECT_GT(suspensions, 100u);
  std::printf("own workflows: %zu, each in 5 worlds at 2 fuel levels; %zu suspensions\n", own_workflows().size(),
              suspensions);
}

// The same through `wf run`'s host with LocalOptions::suspend_at_effects.
TEST(Continuation, LocalRunnerSuspendAtEffectsChangesNothing) {
  for (const auto& [name, text] : own_workflows()) {
    auto p = compile_source(text);
    ASSERT_TRUE(p) << name;
    for (bool approve : {true, false}) {
      auto run = [&, p](bool suspend) {
        local::LocalOptions o;
        o.approve = approve ? local::ApproveMode::Yes : local::ApproveMode::No;
        o.fast = true;
        o.suspend_at_effects = suspend;
        o.vault.push_back(local::VaultIdentity{"db_admin", "dba", "s3cret", "password", "corp", false, false});
        o.events["go"] = R"({"name": "go"})";
        local::LocalRunner runner(p, o);
        return runner.run(static_cast<uint32_t>(workflow_index(*p, "main")), {hosts({"web-01", "web-02"})});
      };
      const local::RunOutcome plain = run(false), suspended = run(true);
      EXPECT_EQ(plain.status, suspended.status) << name;
      EXPECT_EQ(shown(plain.value), shown(suspended.value)) << name;
      // (Not the whole error: a job_failed error's detail holds the jobs' measured durations.)
      for (const char* f : {"kind", "message", "step"})
        EXPECT_EQ(effects::field_string(plain.error, f), effects::field_string(suspended.error, f)) << name;
      EXPECT_EQ(effects::field_string(suspended.error, "message").find("could not be restored"), std::string::npos)
          << name << ": " << shown(suspended.error);
    }
  }
}

// ---- Idempotency by seq ---------------------------------------------------------------------------

TEST(Continuation, ResumingAResolvedSeqChangesNothing) {
  auto p = compile_source(R"(
workflow main() -> int {
  approve "first?"
  sleep 1s
  return 1
}
)");
  ASSERT_TRUE(p);
  FakeHost host(p, World{}, false, 1'000'000);
  vm::Machine m(p, host);
  ASSERT_TRUE(m.start(p->module.workflows[0].function, {}));
  ASSERT_EQ(m.run(1000), vm::Status::Waiting);
  const auto first = m.take_effects();
  ASSERT_EQ(first.size(), 1u);
  const vm::Value approval = effects::make_builtin("Approval", {{"approved", Value::boolean(true)}});
  EXPECT_TRUE(m.resume(first[0].fiber, first[0].seq, approval));
  const auto after_resume = vm::snapshot(m);
  EXPECT_FALSE(m.resume(first[0].fiber, first[0].seq, approval));
  EXPECT_FALSE(m.resume_error(first[0].fiber, first[0].seq, effects::make_error(ErrorKind::Failed, "late")));
  EXPECT_EQ(vm::snapshot(m), after_resume);

  ASSERT_EQ(m.run(1000), vm::Status::Waiting);
  const auto second = m.take_effects();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GT(second[0].seq, first[0].seq);
  const auto waiting = vm::snapshot(m);

  // After a restore the old seq is still stale, and the new one still live, once.
  vm::Machine restored(p, host);
  ASSERT_TRUE(vm::restore(restored, waiting).ok());
  EXPECT_FALSE(restored.resume(first[0].fiber, first[0].seq, approval));
  EXPECT_FALSE(restored.resume(second[0].fiber, second[0].seq + 1, Value()));
  EXPECT_EQ(vm::snapshot(restored), waiting);
  EXPECT_TRUE(restored.resume(second[0].fiber, second[0].seq, Value()));
  const auto resolved = vm::snapshot(restored);
  EXPECT_FALSE(restored.resume(second[0].fiber, second[0].seq, Value()));
  EXPECT_EQ(vm::snapshot(restored), resolved);
  EXPECT_EQ(restored.run(1000), vm::Status::Completed);
  EXPECT_EQ(shown(restored.result()), "1");
  // A resolved seq delivered again after the end changes nothing either.
  EXPECT_FALSE(restored.resume(second[0].fiber, second[0].seq, Value()));
  EXPECT_EQ(restored.status(), vm::Status::Completed);
}

// ---- Size -----------------------------------------------------------------------------------------

TEST(Continuation, CanaryAtItsApprovalFitsInOneKilobyte) {
  auto p = compile_path(fs::path(WF_SOURCE_DIR) / "samples" / "canary_patch_rollout.wf");
  ASSERT_TRUE(p);
  FakeHost host(p, worlds()[0], false, 1'000'000);
  host.pause_when = [](const vm::Machine&, const std::vector<vm::EffectRequest>& rs) {
    return rs[0].kind == bytecode::EffectKind::Approve;
  };
  std::vector<Value> args = {hosts({"web-01", "web-02", "web-03"}), vm::make_string("openssl"), vm::make_string("nginx"),
                             vm::make_string("CHG-1042"), Value(), vm::make_string("http://127.0.0.1/healthz")};
  host.run(0, std::move(args));
  ASSERT_TRUE(host.paused);
  const std::vector<uint8_t> bytes = vm::snapshot(*host.paused);
  std::printf("canary_patch_rollout paused at its approval: a continuation of %zu bytes\n", bytes.size());
  EXPECT_LE(bytes.size(), 1024u);
}

// ---- Robustness -----------------------------------------------------------------------------------

// Answers every effect with an error, so a restored machine runs on to its end.
class ErrorHost : public vm::Host {
 public:
  int64_t now_ms() override { return 0; }
  Value localhost() override { return Value(); }
  Value env(std::string_view) override { return Value(); }
  void on_log(uint32_t, const std::string&) override {}
  void on_step(uint32_t, const Value&, vm::StepEvent) override {}
  void on_condition(uint32_t, const std::string&, bool) override {}
};

// Runs with little fuel, failing every effect: those requested now and those a restored machine
// was already waiting for (a continuation does not hold effect requests; its host keeps them).
void run_a_little(vm::Machine& m) {
  for (int round = 0; round < 20; ++round) {
    const vm::Status s = m.run(50);
    if (s == vm::Status::Completed || s == vm::Status::Failed) return;
    m.take_effects();
    m.take_cancelled();
    for (size_t i = 0; i < m.fibers().size(); ++i)
      if (m.fibers()[i]->state == vm::FiberState::WaitingEffect)
        m.resume_error(static_cast<uint32_t>(i), m.fibers()[i]->seq, effects::make_error(ErrorKind::Failed, "no"));
  }
}

// A real continuation with some of everything: the parallel workflow paused with two branches
// waiting at a JOIN.
struct Specimen {
  std::shared_ptr<const vm::Program> program;
  std::vector<uint8_t> bytes;
};

const Specimen& specimen() {
  static const Specimen s = [] {
    Specimen out;
    out.program = compile_source(own_workflows()[3].second);
    FakeHost host(out.program, worlds()[0], false, 1'000'000);
    host.pause_when = [](const vm::Machine& m, const std::vector<vm::EffectRequest>&) { return m.fibers().size() >= 3; };
    host.run(0, {hosts({"web-01", "web-02", "web-03"})});
    out.bytes = vm::snapshot(*host.paused);
    return out;
  }();
  return s;
}

TEST(Continuation, EveryTruncationIsRefused) {
  const Specimen& s = specimen();
  ErrorHost host;
  for (size_t n = 0; n < s.bytes.size(); ++n) {
    const std::span<const uint8_t> cut(s.bytes.data(), n);
    EXPECT_FALSE(vm::decode_continuation(cut).ok()) << n;
    EXPECT_FALSE(vm::decode_continuation(cut, vm::Integrity::Unchecked).ok()) << n;
    vm::Machine m(s.program, host);
    EXPECT_FALSE(vm::restore(m, cut).ok()) << n;
  }
}

// The Machine's own bookkeeping on a restored machine (deliveries right and wrong, an abort that
// cancels every branch); afterwards it must still write a continuation that restores.
void exercise(vm::Machine& m, const std::shared_ptr<const vm::Program>& program) {
  ErrorHost host;
  for (size_t i = 0; i < m.fibers().size(); ++i) {
    const uint64_t seq = m.fibers()[i]->seq;
    if (i % 2 == 0) m.resume(static_cast<uint32_t>(i), seq, Value());
    else m.resume_error(static_cast<uint32_t>(i), seq, m.make_error(ErrorKind::Failed, "no"));
    m.resume(static_cast<uint32_t>(i), seq + 1, Value());
  }
  m.abort(m.make_error(ErrorKind::Cancelled, "aborted"));
  m.take_effects();
  m.take_cancelled();
  const auto bytes = vm::snapshot(m);
  vm::Machine again(program, host);
  const auto r = vm::restore(again, bytes);
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(vm::snapshot(again), bytes);
}

// Every flip is caught by the checksum. Past the checksum (Integrity::Unchecked, as the fuzzer
// decodes), the decoder and the validator must refuse the data or restore a machine that keeps
// the Machine's invariants. (Such a machine does not run bytecode here: its registers may hold
// values of types the code was not checked for, which only the checksum keeps out.)
TEST(Continuation, BitFlipsAreRefused) {
  const Specimen& s = specimen();
  ErrorHost host;
  std::mt19937 random(20240611);
  size_t decoded = 0, restored = 0;
  const int kTrials = 4000;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<uint8_t> bytes = s.bytes;
    const size_t at = random() % bytes.size();
    bytes[at] ^= static_cast<uint8_t>(1u << (random() % 8));
    const auto checked = vm::decode_continuation(bytes);
    EXPECT_FALSE(checked.ok()) << "flip at " << at;
    vm::Machine m(s.program, host);
    EXPECT_FALSE(vm::restore(m, bytes).ok()) << "flip at " << at;
    vm::ContinuationDecodeResult d = vm::decode_continuation(bytes, vm::Integrity::Unchecked);
    if (!d.ok()) continue;
    ++decoded;
    if (!vm::restore_data(m, d.data()).ok()) {
      EXPECT_TRUE(m.fibers().empty());
      continue;
    }
    ++restored;
    exercise(m, s.program);
  }
  std::printf("bit flips: %d refused by the checksum; without it %zu decode and %zu of those restore\n", kTrials, decoded,
              restored);
}

// Restored machines of real continuations run on to their end, whatever the host answers.
TEST(Continuation, RealContinuationsRunUnderAnErrorHost) {
  const Specimen& s = specimen();
  ErrorHost host;
  FakeHost fake(s.program, worlds()[0], false, 1'000'000);
  std::vector<std::vector<uint8_t>> stops;
  fake.pause_when = [&](const vm::Machine& m, const std::vector<vm::EffectRequest>&) {
    stops.push_back(vm::snapshot(m));
    return false;
  };
  fake.run(0, {hosts({"web-01", "web-02", "web-03"})});
  ASSERT_GE(stops.size(), 4u);
  for (const auto& bytes : stops) {
    vm::Machine m(s.program, host);
    ASSERT_TRUE(vm::restore(m, bytes).ok());
    run_a_little(m);
    for (int round = 0; round < 100 && m.status() != vm::Status::Completed && m.status() != vm::Status::Failed; ++round)
      run_a_little(m);
    EXPECT_TRUE(m.status() == vm::Status::Completed || m.status() == vm::Status::Failed);
  }
}

// A continuation with `globals` spliced in (and, unless `whole` is false, nothing after them
// but the checksum), checksum ignored.
std::vector<uint8_t> with_globals(const std::vector<uint8_t>& globals, bool whole = true) {
  std::vector<uint8_t> out = {0x9b, 0xaf, 'w', 'f', '-', 'c', 'o', 'n', 't', 'i', 'n', 'u', 'a', 't', 'i', 'o', 'n', 0x01,
                              0xc4, 0x20};
  out.insert(out.end(), 32, 0);      // module
  out.insert(out.end(), {0x00, 0x01, 0x90});  // status, next_seq, shapes
  out.insert(out.end(), globals.begin(), globals.end());
  if (whole) out.insert(out.end(), {0x90, 0xc0, 0xc0});  // fibers, result, error
  out.insert(out.end(), {0xc4, 0x08});
  out.insert(out.end(), 8, 0);
  return out;
}

TEST(Continuation, HostileHeadersAreRefused) {
  const Specimen& s = specimen();
  auto refused = [&](std::vector<uint8_t> bytes, const std::string& expected) {
    for (auto integrity : {vm::Integrity::Checked, vm::Integrity::Unchecked}) {
      const auto d = vm::decode_continuation(bytes, integrity);
      EXPECT_FALSE(d.ok());
      if (!d.ok() && (integrity == vm::Integrity::Unchecked || expected.find("checksum") != std::string::npos ||
                      expected == "not a wf continuation" || expected.find("version") != std::string::npos))
        EXPECT_NE(d.error().find(expected), std::string::npos) << d.error();
    }
  };
  refused({}, "not a wf continuation");
  refused({0x80}, "not a wf continuation");                               // a map
  refused({0xdd, 0xff, 0xff, 0xff, 0xff}, "not a wf continuation");        // 4 billion items, none there
  refused(std::vector<uint8_t>(100'000, 0x91), "not a wf continuation");  // [[[[...]]]]
  refused({0x91, 0xc7, 0x01, 0x05, 0x00}, "not a wf continuation");        // an extension value
  refused({0x92, 0xaf, 'w', 'f', '-', 'c', 'o', 'n', 't', 'i', 'n', 'u', 'a', 't', 'i', 'o', 'n', 0x02},
          "version 2 is not supported");
  refused({0x92, 0xa9, 'w', 'f', '-', 'm', 'o', 'd', 'u', 'l', 'e', 0x01}, "not a wf continuation");
  // Past the magic: lengths that promise more than there is, nesting, other msgpack types.
  EXPECT_TRUE(vm::decode_continuation(with_globals({0x90}), vm::Integrity::Unchecked).ok());
  refused(with_globals({0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0, 0xc0}, false), "ends early");  // 4 billion globals
  refused(with_globals({0x91, 0xdb, 0xff, 0xff, 0xff, 0xff, 'x'}, false), "ends early");   // a 4 GB string
  refused(with_globals({0x91, 0x92, 0x07}, false), "ends early");
  refused(with_globals({0x91, 0xc6, 0xff, 0xff, 0xff, 0xff}), "expected a value");
  refused(with_globals({0x91, 0xd4, 0x01, 0x00}), "expected a value");           // an extension value
  refused(with_globals({0x91, 0x81, 0xa1, 'k', 0xc0}), "expected a value");      // a msgpack map
  refused(with_globals({0x91, 0x92, 0x08, 0x01}), "a map needs a value for every key");
  refused(with_globals({0x91, 0x93, 0x08, 0x01, 0x02}), "a map's keys are strings");
  refused(with_globals({0x91, 0x93, 0x09, 0x00, 0x01}), "shape 0 out of range");
  refused(with_globals({0x91, 0x92, 0x06, 0xa1}), "written as an array");
  refused(with_globals({0x91, 0x92, 0x0e, 0x00}), "kind: expected an integer from 0 to 13");
  std::vector<uint8_t> deep = {0x91};
  for (int i = 0; i < 100'000; ++i) deep.insert(deep.end(), {0x92, 0x07});
  deep.push_back(0xc0);
  refused(with_globals(deep), "nested more than 1024 deep");
  // Trailing bytes after a real continuation.
  std::vector<uint8_t> longer = s.bytes;
  longer.push_back(0xc0);
  refused(longer, "checksum");
  // A checksum that is not the last item.
  std::vector<uint8_t> shorter = s.bytes;
  shorter.pop_back();
  refused(shorter, "checksum");
}

// Values nest up to kMaxValueDepth and no deeper, whatever the checksum says.
TEST(Continuation, DeepValuesAreBounded) {
  const Specimen& s = specimen();
  vm::ContinuationData d = vm::decode_continuation(s.bytes).data();
  // Register 0 of the main fiber becomes [[[...[1]...]]], `depth` lists deep.
  auto nest = [](vm::ContinuationData& d, size_t depth) {
    vm::ValueRef inner = d.add_nodes(1).first;
    d.values[inner].kind = vm::ValueKind::Int;
    for (size_t i = 0; i < depth; ++i) {
      const vm::ValueRef outer = d.add_nodes(1).first;
      d.values[outer].kind = vm::ValueKind::List;
      d.values[outer].children = {inner, 1};
      inner = outer;
    }
    d.values[d.fibers[0].registers.first] = d.values[inner];
  };
  ErrorHost host;
  nest(d, vm::kMaxValueDepth);
  const auto ok = vm::encode_continuation(d);
  const auto decoded = vm::decode_continuation(ok);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  vm::Machine m(s.program, host);
  EXPECT_TRUE(vm::restore_data(m, decoded.data()).ok());
  // (Not the same bytes as `ok`: a capture numbers shapes in the order it meets them.)
  const auto again = vm::snapshot(m);
  vm::Machine m1(s.program, host);
  EXPECT_TRUE(vm::restore(m1, again).ok());
  EXPECT_EQ(vm::snapshot(m1), again);

  nest(d, vm::kMaxValueDepth + 1);
  const auto deep = vm::decode_continuation(vm::encode_continuation(d));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().find("nested more than 1024 deep"), std::string::npos) << deep.error();
  vm::Machine m2(s.program, host);
  EXPECT_NE(vm::restore_data(m2, d).error.find("nested more than"), std::string::npos);

  // Data not made by the decoder may even be cyclic; the depth bound ends that too.
  vm::ContinuationData cyclic = vm::decode_continuation(s.bytes).data();
  const vm::ValueRef r = cyclic.fibers[0].registers.first;
  cyclic.values[r].kind = vm::ValueKind::List;
  cyclic.values[r].children = {r, 1};
  vm::Machine m3(s.program, host);
  EXPECT_NE(vm::restore_data(m3, cyclic).error.find("nested more than"), std::string::npos);
  EXPECT_FALSE(vm::decode_continuation(vm::encode_continuation(cyclic)).ok());
}

// restore_data refuses data that decodes but does not fit the program, naming what is wrong.
TEST(Continuation, InvalidDataIsRefusedWithAReason) {
  const Specimen& s = specimen();
  const vm::ContinuationData good = vm::decode_continuation(s.bytes).data();
  ErrorHost host;
  auto refused = [&](const std::function<void(vm::ContinuationData&)>& change, const std::string& expected) {
    vm::ContinuationData d = good;
    change(d);
    vm::Machine m(s.program, host);
    const vm::RestoreResult r = vm::restore_data(m, d);
    EXPECT_NE(r.error.find(expected), std::string::npos) << "expected \"" << expected << "\", got \"" << r.error << "\"";
    EXPECT_TRUE(m.fibers().empty());  // nothing installed
  };
  refused([](auto& d) { d.module_sha256[0] ^= 1; }, "belongs to module");
  refused([](auto& d) { d.fibers[0].frames[0].function = 9999; }, "fibers[0].frames[0]: function 9999 out of range");
  refused([](auto& d) { d.fibers[0].frames.back().pc += 1000; }, "is not an instruction");
  refused([](auto& d) { d.fibers[0].frames[0].base = 3; }, "bottom frame starts at register 0");
  refused([](auto& d) { d.fibers[0].registers.count -= 1; }, "registers");
  refused([](auto& d) { d.fibers[1].parent = 5; }, "expected a fiber before this one");
  refused([](auto& d) { d.fibers[0].parent = 0; }, "the main fiber has no parent");
  refused([](auto& d) { d.fibers[0].children.push_back(0); }, "is not a branch of this fiber");
  refused([](auto& d) { d.fibers[1].effect_register ^= 1; }, "effect register");
  refused([](auto& d) { d.fibers[1].seq = d.next_seq; }, "never handed out");
  refused([](auto& d) { d.fibers[1].frames.pop_back(); }, "a live fiber needs a frame");
  refused([](auto& d) { d.fibers[0].state = vm::FiberStateData::WaitingEffect; }, "not after an EFFECT");
  refused([](auto& d) { d.fibers[1].delivery = vm::DeliveryData::Error; }, "only a runnable fiber");
  refused([](auto& d) { d.fibers[0].state = static_cast<vm::FiberStateData>(9); }, "unknown state 9");
  refused([](auto& d) { d.status = vm::StatusData::Completed; }, "the main fiber is not done");
  refused([](auto& d) { d.globals.count += 1; }, "globals");
  refused([](auto& d) { d.next_seq = 0; }, "next_seq");
  refused(
      [](auto& d) {
        d.values[d.fibers[0].registers.first].kind = vm::ValueKind::Fiber;
        d.values[d.fibers[0].registers.first].i = 77;
      },
      "fiber 77 out of range");
  refused([](auto& d) { d.fibers[0].registers.first = 1u << 30; }, "out of range");
  refused([](auto& d) { d.fibers[0].result = 1u << 30; }, "node 1073741824 out of range");
  refused(
      [](auto& d) {
        d.values[d.fibers[0].registers.first].kind = vm::ValueKind::Str;
        d.values[d.fibers[0].registers.first].text = 1u << 30;
      },
      "a string out of range");
  refused([](auto& d) { d.values[d.fibers[0].first_error].kind = vm::ValueKind::Str; }, "first_error: expected an Error record");
  refused(
      [](auto& d) {
        d.shapes.push_back({"username", "secret"});
        const vm::ValueRange fields = d.add_nodes(2);
        d.set_text(fields.first + 1, "hunter2");
        vm::ValueData& c = d.values[d.fibers[0].registers.first];
        c.kind = vm::ValueKind::Credential;
        c.shape = static_cast<uint32_t>(d.shapes.size() - 1);
        c.children = fields;
      },
      "must not hold a secret");
  refused(
      [](auto& d) {
        d.fibers[0].has_pfor = true;
        d.fibers[0].pfor.items = d.add_nodes(1).first;
        d.values[d.fibers[0].pfor.items].kind = vm::ValueKind::Int;
      },
      "the items are not a list");

  // Into another program, or a machine that already runs.
  auto other = compile_source(own_workflows()[9].second);
  ASSERT_TRUE(other);
  vm::Machine m(other, host);
  EXPECT_NE(vm::restore(m, s.bytes).error.find("belongs to module"), std::string::npos);
  vm::Machine started(s.program, host);
  ASSERT_TRUE(started.start(s.program->module.workflows[0].function, {hosts({"a"})}));
  EXPECT_NE(vm::restore(started, s.bytes).error.find("has not started"), std::string::npos);
}

}  // namespace
}  // namespace wf

namespace wf {
namespace {

// fuzz/continuation_fuzz.wfb, the program continuation_fuzzer restores into, is what the compiler
// makes of fuzz/continuation_fuzz.wf today (source paths aside).
TEST(Continuation, FuzzProgramIsCurrent) {
  const fs::path source = fs::path(WF_SOURCE_DIR) / "fuzz" / "continuation_fuzz.wf";
  CompileResult r = compile_file(source.string());
  ASSERT_TRUE(r.module) << r.error;
  std::ifstream in(fs::path(WF_SOURCE_DIR) / "fuzz" / "continuation_fuzz.wfb", std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto stored = bytecode::decode_module(bytes);
  ASSERT_TRUE(stored.ok()) << stored.error();
  bytecode::Module expected = *r.module, found = stored.module();
  expected.sources.clear();
  found.sources.clear();
  EXPECT_TRUE(expected == found) << "fuzz/continuation_fuzz.wfb is stale; from the repository root run\n"
                                    "  wf build fuzz/continuation_fuzz.wf -o fuzz/continuation_fuzz.wfb";
}


// Values alone (encode_values): what a host keeps beside a continuation, such as the arguments of
// the effects an instance waits for, round-trip through the continuation format and its checks.
TEST(ContinuationValues, RoundTripAndRefuseDamage) {
  auto p = compile_path(fs::path(WF_SOURCE_DIR) / "samples" / "canary_patch_rollout.wf");
  ASSERT_TRUE(p);
  const std::vector<vm::Value> values = {
      vm::make_string("web-01"), vm::Value::integer(42),
      effects::make_builtin("host", {{"hostname", vm::make_string("web-01")}, {"tags", vm::make_list({vm::make_string("a")})}}),
      vm::make_list({vm::Value::boolean(true), vm::Value()})};
  const std::vector<uint8_t> bytes = vm::encode_values(*p, values);
  std::vector<vm::Value> back;
  std::string error;
  ASSERT_TRUE(vm::decode_values(*p, bytes, back, error)) << error;
  ASSERT_EQ(back.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(vm::to_json_text(back[i]), vm::to_json_text(values[i]));
  EXPECT_EQ(effects::field_string(back[2], "hostname"), "web-01");
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::vector<uint8_t> damaged = bytes;
    damaged[i] ^= 0x5a;
    std::vector<vm::Value> out;
    std::string why;
    EXPECT_FALSE(vm::decode_values(*p, damaged, out, why)) << "byte " << i;
    EXPECT_FALSE(why.empty());
  }
  // Tied to its module.
  auto other = compile_source("workflow w() -> int { return 1 }\n");
  ASSERT_TRUE(other);
  std::vector<vm::Value> out;
  EXPECT_FALSE(vm::decode_values(*other, bytes, out, error));
}

}  // namespace
}  // namespace wf

// The simulation host (SPEC §7): walks a workflow on the real VM without touching the world.
// Every effect is recorded as an event and answered at once — jobs as if they all succeeded (or
// as `--mock` says), approvals as approved (or rejected), sleeps without waiting, checkouts with
// an empty credential — so the report shows, in order, what a real run would do.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vm/machine.h"

namespace wf::simulate {

// What one host's job is taken to have done. `status` empty: `completed` for exit code 0, else
// `failed`.
struct MockJob {
  int64_t exit_code = 0;
  std::string stdout_text, stderr_text, status;
};

// The outcome of one `run`: `all` for every host not named in `hosts`.
struct MockRun {
  MockJob all;
  std::map<std::string, MockJob> hosts;
};

// The --mock file (docs/simulation.md): run outcomes keyed by a 1-based run index ("3") or by
// the name of a step the run is in, and `wait event` payloads keyed by "event:NAME".
struct Mocks {
  std::map<std::string, MockRun> runs;
  std::map<std::string, nlohmann::ordered_json> events;
};

// False with `error` set when the JSON does not have the documented shape.
bool parse_mocks(const nlohmann::ordered_json& j, Mocks& out, std::string& error);
bool load_mocks(const std::string& path, Mocks& out, std::string& error);

struct SimulateOptions {
  bool reject = false;  // approvals are rejected instead of approved
  Mocks mocks;
  // Guards against a workflow that never ends (a `while true` around an effect, or a busy loop):
  // the simulation is stopped with a `cancelled` error after this many effects or instructions.
  uint64_t max_effects = 100'000;
  uint64_t max_instructions = 1'000'000'000;
};

// One thing the workflow would do. `fields` is a JSON object whose keys depend on `kind`
// (docs/simulation.md); a child workflow's own events are its `children`.
struct Event {
  std::string kind;
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
  std::vector<Event> children;
};

struct Report {
  std::string workflow;
  vm::Status status = vm::Status::Failed;  // Completed or Failed
  vm::Value result;                        // the return value when Completed
  vm::Value error;                         // the Error record when Failed
  std::vector<Event> events;
};

// {workflow, status, result, error, events: [{event, ...fields, events?}]}
nlohmann::ordered_json report_json(const Report& report);
// One line per event, a child workflow's events indented under it, then the outcome.
std::string report_text(const Report& report);
// The same from the report's JSON (report_json), as the service answers a simulated run; a
// field that is missing or of another type reads as empty.
std::string report_text(const nlohmann::ordered_json& report);

class Simulator : public vm::Host {
 public:
  Simulator(std::shared_ptr<const vm::Program> program, SimulateOptions options);

  // Simulates the workflow (by its index in the module) with its arguments in parameter order.
  Report simulate(uint32_t workflow_index, std::vector<vm::Value> args);

  // vm::Host. The clock starts at the real time and moves on by every simulated delay, so that
  // `sleep until` and `now()` after a sleep see what they would see in a real run.
  int64_t now_ms() override;
  vm::Value localhost() override;
  vm::Value env(std::string_view name) override;
  void on_log(uint32_t fiber, const std::string& message) override;
  void on_step(uint32_t fiber, const vm::Value& info, vm::StepEvent event) override;
  void on_condition(uint32_t fiber, const std::string& condition, bool value) override;

 private:
  struct Outcome {
    vm::Status status = vm::Status::Failed;
    vm::Value value, error;
  };
  Outcome run_workflow(uint32_t workflow_index, std::vector<vm::Value> args);
  void handle(vm::Machine& m, const vm::EffectRequest& r);
  void handle_run(vm::Machine& m, const vm::EffectRequest& r);
  void handle_approve(vm::Machine& m, const vm::EffectRequest& r);
  void handle_sleep(vm::Machine& m, const vm::EffectRequest& r);
  void handle_child(vm::Machine& m, const vm::EffectRequest& r);
  void handle_wait(vm::Machine& m, const vm::EffectRequest& r);
  Event& record(std::string kind);

  std::shared_ptr<const vm::Program> program_;
  SimulateOptions options_;
  int64_t clock_ms_ = 0;
  uint32_t current_workflow_ = 0;
  uint64_t runs_ = 0;     // run effects so far, over the whole simulation: the mock index
  uint64_t effects_ = 0;  // for max_effects
  std::vector<Event> events_;  // of the workflow being simulated (a child's while it runs)
};

}  // namespace wf::simulate

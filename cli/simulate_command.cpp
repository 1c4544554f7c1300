// `wf simulate FILE` (SPEC §7): compiles the file, binds the workflow's parameters as `wf run`
// does, walks it with the simulation host and prints the report — text, or JSON with
// `--format json` — on stdout. Exit codes are those of `wf run` for the simulated outcome.
#include "simulate_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "effects/records.h"
#include "exit_codes.h"
#include "module_loading.h"
#include "stdlib/error_kinds.h"
#include "workflow_selection.h"
#include "simulate/simulator.h"
#include "vm/render.h"

namespace wf::cli {

namespace {

struct SimulateCommandOptions {
  std::string file, workflow, hosts, mock, format = "text";
  std::vector<std::string> params;
  bool reject = false;
};

constexpr const char* kMockHelp = R"(--mock FILE is a JSON object. Each key picks `run` effects, each value says what their jobs did:
  "3"                   the 3rd run of the simulation (the #3 of its would_dispatch event)
  "Deploy"              every run inside the step (or parallel branch) named "Deploy"
  "event:backup_done"   not a run: the payload that `wait event "backup_done"` returns
A run's value is {"exit_code": 0, "stdout": "", "stderr": "", "status": "completed|failed|timeout|
cancelled|config"} (all optional; status follows from exit_code when left out), and may hold
"hosts": {"web-01": {...}} for hosts whose job differs. A run index wins over a step name; the
innermost step wins over the steps around it. Example:
  {"1": {"stdout": "{\"free_gb\": 3}"}, "Deploy": {"hosts": {"web-02": {"exit_code": 1}}},
   "event:backup_done": {"status": "ok"}})";

int simulate_file(const SimulateCommandOptions& o) {
  LoadedModule loaded = load_module(o.file);
  if (!loaded.module) return loaded.exit_code;
  const bytecode::Module& module = *loaded.module;

  const std::optional<size_t> selected = select_workflow(module, o.workflow, o.file);
  if (!selected) return kExitUsage;
  const size_t index = *selected;
  const bytecode::Workflow& w = module.workflows[index];
  const std::optional<std::map<std::string, std::string>> params = parse_params(w, o.params);
  if (!params) return kExitUsage;
  const std::map<std::string, std::string>& given = *params;

  simulate::SimulateOptions options;
  options.reject = o.reject;
  if (!o.mock.empty()) {
    std::string error;
    if (!simulate::load_mocks(o.mock, options.mocks, error)) {
      fmt::print(stderr, "wf: --mock {}\n", error);
      return kExitUsage;
    }
  }
  auto program = program_or_report(module);
  if (!program) return kExitUsage;
  simulate::Simulator simulator(program, std::move(options));
  // Parameters bind as for `wf run`; defaults are computed with the simulator as their host.
  std::vector<vm::Value> args;
  if (auto code = bind_or_report(program, w, given, o.hosts, simulator, args)) return *code;

  const simulate::Report report = simulator.simulate(static_cast<uint32_t>(index), std::move(args));
  if (o.format == "json")
    fmt::print("{}\n", simulate::report_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  else
    fmt::print("{}", simulate::report_text(report));
  if (report.status == vm::Status::Completed) return kExitOk;
  const std::string kind = effects::field_string(report.error, "kind");
  return stdlib::ends_as_stopped(kind) ? kExitCancelled : kExitFailed;
}

}  // namespace

void register_simulate_command(CLI::App& app) {
  auto o = std::make_shared<SimulateCommandOptions>();
  CLI::App* cmd = app.add_subcommand("simulate", "Dry-run a workflow: report what it would do, touching nothing");
  cmd->add_option("file", o->file, "A .wf file or a .wfb module")->required();
  cmd->add_option("--workflow", o->workflow, "The workflow to simulate (may be left out when there is one)");
  cmd->add_option("--param", o->params, "A parameter, NAME=VALUE (repeatable)");
  cmd->add_option("--hosts", o->hosts, "Hosts for the workflow's one `hosts` parameter: a,b (with several, --param NAME=a,b for each)");
  cmd->add_flag("--reject", o->reject, "Take every approval as rejected instead of approved");
  cmd->add_option("--mock", o->mock, "A JSON file of job outcomes and event payloads (see below)");
  cmd->add_option("--format", o->format, "Report format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->footer(kMockHelp);
  cmd->callback([o] {
    const int code = simulate_file(*o);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli

// `wf run FILE` (SPEC §6): compiles the file, binds the workflow's parameters from --param and
// --hosts, runs it with the local host (each `notify` shown, or sent with --notify FILE: see
// local/notifier.h), prints the timeline to stderr and the return value as
// JSON to stdout, and exits 0 (completed), 1 (failed) or 3 (cancelled, rejected, timed out).
#include "run_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "effects/records.h"
#include "exit_codes.h"
#include "local/channels_file.h"
#include "local/local_runner.h"
#include "local/notifier.h"
#include "local/params.h"
#include "module_loading.h"
#include "stdlib/error_kinds.h"
#include "workflow_selection.h"
#include "vm/render.h"

namespace wf::cli {

namespace {

struct RunOptions {
  std::string file, workflow, approve = "ask", vault, hosts, notify;
  std::vector<std::string> params, events;
  bool fast = false;
};

// The terminal answers approvals for --approve ask: y/n and an optional note.
std::pair<bool, std::string> ask_terminal(const std::string& title) {
  std::ifstream tty("/dev/tty");
  std::istream& in = tty ? static_cast<std::istream&>(tty) : std::cin;
  fmt::print(stderr, "approve \"{}\"? [y/N] ", title);
  std::string answer;
  std::getline(in, answer);
  const bool yes = !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
  fmt::print(stderr, "note (optional): ");
  std::string note;
  std::getline(in, note);
  return {yes, note};
}

int run(const RunOptions& o) {
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

  local::LocalOptions options;
  options.approve = o.approve == "yes" ? local::ApproveMode::Yes : o.approve == "no" ? local::ApproveMode::No : local::ApproveMode::Ask;
  options.fast = o.fast;
  options.timeline = &std::cerr;
  options.ask = ask_terminal;
  for (const std::string& e : o.events) {
    const size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) {
      fmt::print(stderr, "wf: --event takes NAME=JSON, got \"{}\"\n", e);
      return kExitUsage;
    }
    options.events[e.substr(0, eq)] = e.substr(eq + 1);
  }
  if (!o.vault.empty()) {
    std::string error;
    if (!local::load_vault(o.vault, options.vault, error)) {
      fmt::print(stderr, "wf: {}\n", error);
      return kExitUsage;
    }
  }

  // A bad channels file stops the run before it starts, as a bad vault does.
  std::optional<local::ChannelsFile> channels;
  if (!o.notify.empty()) {
    std::string error;
    channels = local::load_channels_file(o.notify, error);
    if (!channels) {
      fmt::print(stderr, "wf: {}\n", error);
      return kExitUsage;
    }
  }
  local::Notifier notifier(std::move(channels));
  options.notify = [&notifier](const local::LocalNotification& n) { return notifier.notify(n); };

  auto program = program_or_report(module);
  if (!program) return kExitUsage;
  local::LocalRunner runner(program, std::move(options));

  std::vector<vm::Value> args;
  if (auto code = bind_or_report(program, w, given, o.hosts, runner, args)) return *code;

  local::RunOutcome outcome = runner.run(static_cast<uint32_t>(index), std::move(args));
  if (outcome.status == vm::Status::Completed) {
    fmt::print("{}\n", vm::to_json(outcome.value).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    return kExitOk;
  }
  const std::string kind = effects::field_string(outcome.error, "kind");
  fmt::print(stderr, "wf: workflow failed: {}: {}\n", kind, effects::field_string(outcome.error, "message"));
  return stdlib::ends_as_stopped(kind) ? kExitCancelled : kExitFailed;
}

}  // namespace

void register_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run a workflow locally with the embedded engine");
  cmd->add_option("file", o->file, "A .wf file or a .wfb module")->required();
  cmd->add_option("--workflow", o->workflow, "The workflow to run (may be left out when there is one)");
  cmd->add_option("--param", o->params, "A parameter, NAME=VALUE (repeatable)");
  cmd->add_option("--hosts", o->hosts, "Hosts for the workflow's one `hosts` parameter: a,b (with several, --param NAME=a,b for each)");
  cmd->add_option("--approve", o->approve, "Answer approvals: yes, no, or ask at the terminal")
      ->check(CLI::IsMember({"yes", "no", "ask"}))
      ->capture_default_str();
  cmd->add_option("--vault", o->vault, "A vault file for checkouts");
  cmd->add_option("--event", o->events, "An event for `wait event`, NAME=JSON (repeatable)");
  cmd->add_flag("--fast", o->fast, "Skip the waits of sleeps and retry delays");
  cmd->add_option("--notify", o->notify,
                  "A channels file (JSON, see docs/operations.md, Trying notifications): send each `notify` through it; without one a notify is only shown");
  cmd->footer(
      "Exit codes: 0 completed, 1 failed, 2 usage error, 3 cancelled, rejected or timed out (a workflow's @timeout "
      "holds here as in the service: its waits and jobs are stopped and it ends with a `timeout` error).");
  cmd->callback([o] {
    const int code = run(*o);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli

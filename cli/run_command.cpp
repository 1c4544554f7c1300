// `wf run FILE` (SPEC §6): compiles the file, binds the workflow's parameters from --param and
// --hosts, runs it with the local host, prints the timeline to stderr and the return value as
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
#include "local/local_runner.h"
#include "module_loading.h"
#include "syntax/literals.h"
#include "vm/render.h"

namespace wf::cli {

namespace {

struct RunOptions {
  std::string file, workflow, approve = "ask", vault, hosts;
  std::vector<std::string> params, events;
  bool fast = false;
};

std::string trim_optional(std::string type) {
  while (!type.empty() && (type.back() == '?' || type.back() == ' ')) type.pop_back();
  return type;
}

// Converts `text` to a value of the parameter's type (SPEC §6: int, float, bool, string,
// duration; lists, maps, records and json as JSON). Empty optional → none.
std::optional<vm::Value> convert(const std::string& type_text, const std::string& text, std::string& error) {
  const std::string type = trim_optional(type_text);
  try {
    if (type == "string") return vm::make_string(text);
    if (type == "int") {
      size_t used = 0;
      const long long v = std::stoll(text, &used);
      if (used != text.size()) throw std::invalid_argument("trailing text");
      return vm::Value::integer(v);
    }
    if (type == "float") {
      size_t used = 0;
      const double v = std::stod(text, &used);
      if (used != text.size()) throw std::invalid_argument("trailing text");
      return vm::Value::real(v);
    }
    if (type == "bool") {
      if (text == "true") return vm::Value::boolean(true);
      if (text == "false") return vm::Value::boolean(false);
      throw std::invalid_argument("not true or false");
    }
    if (type == "duration") {
      if (auto ms = decode_duration(text)) return vm::Value::duration(*ms);
      throw std::invalid_argument("not a duration like 30s or 1h30m");
    }
  } catch (const std::exception& e) {
    error = fmt::format("expected {} but got \"{}\" ({})", type, text, e.what());
    return std::nullopt;
  }
  auto j = nlohmann::ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    error = fmt::format("expected {} as JSON, got \"{}\"", type, text);
    return std::nullopt;
  }
  return vm::from_json(j);
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

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

  // Which workflow: --workflow, or the only one.
  int index = -1;
  for (size_t i = 0; i < module.workflows.size(); ++i)
    if (o.workflow.empty() ? module.workflows.size() == 1 : module.workflows[i].name == o.workflow) index = static_cast<int>(i);
  if (index < 0) {
    std::vector<std::string> names;
    for (const auto& w : module.workflows) names.push_back(w.name);
    fmt::print(stderr, "wf: {} — workflows in {}: {}\n",
               o.workflow.empty() ? "choose one with --workflow NAME" : fmt::format("no workflow `{}`", o.workflow), o.file,
               names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")));
    return kExitUsage;
  }
  const bytecode::Workflow& w = module.workflows[index];

  std::map<std::string, std::string> given;
  for (const std::string& p : o.params) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      fmt::print(stderr, "wf: --param takes NAME=VALUE, got \"{}\"\n", p);
      return kExitUsage;
    }
    given[p.substr(0, eq)] = p.substr(eq + 1);
  }
  for (const auto& [name, value] : given) {
    bool known = false;
    for (const auto& p : w.params) known |= p.name == name;
    if (!known) {
      fmt::print(stderr, "wf: workflow `{}` has no parameter `{}`\n", w.name, name);
      return kExitUsage;
    }
  }

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

  std::string load_error;
  auto program = vm::load_program(module, load_error);
  if (!program) {
    fmt::print(stderr, "wf: {}\n", load_error);
    return kExitUsage;
  }
  local::LocalRunner runner(program, std::move(options));

  std::vector<vm::Value> args;
  for (const auto& p : w.params) {
    const std::string type = trim_optional(p.type);
    if (type == "hosts" || type == "list<host>") {
      std::vector<vm::Value> hosts;
      for (const std::string& h : split_commas(given.count(p.name) ? given[p.name] : o.hosts))
        hosts.push_back(local::local_host_record(h));
      if (hosts.empty() && p.default_fn < 0) {
        fmt::print(stderr, "wf: `{}` needs hosts: pass --hosts a,b\n", p.name);
        return kExitUsage;
      }
      args.push_back(vm::make_list(std::move(hosts)));
      continue;
    }
    if (auto it = given.find(p.name); it != given.end()) {
      std::string error;
      auto v = convert(p.type, it->second, error);
      if (!v) {
        fmt::print(stderr, "wf: --param {}: {}\n", p.name, error);
        return kExitUsage;
      }
      args.push_back(std::move(*v));
      continue;
    }
    if (p.default_fn < 0) {
      if (p.type.ends_with("?")) {
        args.emplace_back();
        continue;
      }
      fmt::print(stderr, "wf: missing --param {}={}\n", p.name, p.type);
      return kExitUsage;
    }
    // The default is computed by its own small function of the module.
    vm::Machine defaults(program, runner);
    defaults.start(static_cast<uint32_t>(p.default_fn), {});
    if (defaults.run(100'000'000) != vm::Status::Completed) {
      fmt::print(stderr, "wf: the default of `{}` failed: {}\n", p.name, effects::field_string(defaults.error(), "message"));
      return kExitFailed;
    }
    args.push_back(defaults.result());
  }

  local::RunOutcome outcome = runner.run(static_cast<uint32_t>(index), std::move(args));
  if (outcome.status == vm::Status::Completed) {
    fmt::print("{}\n", vm::to_json(outcome.value).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    return kExitOk;
  }
  const std::string kind = effects::field_string(outcome.error, "kind");
  fmt::print(stderr, "wf: workflow failed: {}: {}\n", kind, effects::field_string(outcome.error, "message"));
  return kind == "rejected" || kind == "timeout" || kind == "cancelled" ? kExitCancelled : kExitFailed;
}

}  // namespace

void register_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run a workflow locally with the embedded engine");
  cmd->add_option("file", o->file, "A .wf file or a .wfb module")->required();
  cmd->add_option("--workflow", o->workflow, "The workflow to run (may be left out when there is one)");
  cmd->add_option("--param", o->params, "A parameter, NAME=VALUE (repeatable)");
  cmd->add_option("--hosts", o->hosts, "Target hosts for a `hosts` parameter: a,b");
  cmd->add_option("--approve", o->approve, "Answer approvals: yes, no, or ask at the terminal")
      ->check(CLI::IsMember({"yes", "no", "ask"}))
      ->capture_default_str();
  cmd->add_option("--vault", o->vault, "A vault file for checkouts");
  cmd->add_option("--event", o->events, "An event for `wait event`, NAME=JSON (repeatable)");
  cmd->add_flag("--fast", o->fast, "Skip the waits of sleeps and retry delays");
  cmd->callback([o] {
    const int code = run(*o);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli

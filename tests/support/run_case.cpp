// Run cases: directive parsing and the in-process run (see run_case.h).
#include "support/run_case.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>
#include <vector>

#include "effects/records.h"
#include "local/local_runner.h"
#include "local/params.h"
#include "lower/compile.h"
#include "vm/program.h"
#include "vm/render.h"

namespace wf::test {

namespace {

std::string trim(std::string s) {
  const char* space = " \t\r\n";
  const size_t b = s.find_first_not_of(space);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(space) - b + 1);
}

// `name=value` → (name, value); false when there is no `=` or no name.
bool split_assignment(const std::string& text, std::string& name, std::string& value) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  name = trim(text.substr(0, eq));
  value = trim(text.substr(eq + 1));
  return !name.empty();
}

// How `wf run` prints a value; also used to normalize the expected JSON, so that the comparison
// is of JSON values (whitespace does not matter) and still tells `1` from `1.0` and keeps the
// order of object members, which wf defines (SPEC §1.3: insertion order).
std::string canonical(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

bool parse_run_directives(std::string_view source, RunDirectives& out, std::string& error) {
  static const std::regex kDirective(R"(//\s*(expect-error|expect|hosts|param|approve|workflow|vault|event):(.*)$)");
  std::vector<std::string> expect_lines;
  std::istringstream in{std::string(source)};
  std::string line;
  uint32_t number = 0;
  bool seen_hosts = false, seen_approve = false, seen_workflow = false;
  while (std::getline(in, line)) {
    ++number;
    std::smatch m;
    if (!std::regex_search(line, m, kDirective)) continue;
    const std::string name = m[1].str();
    const std::string value = trim(m[2].str());
    auto fail = [&](const std::string& why) {
      error = fmt::format("line {}: `{}:` {}", number, name, why);
      return false;
    };
    auto once = [&](bool& seen) {
      if (seen) return false;
      seen = true;
      return true;
    };
    if (name == "expect") {
      expect_lines.push_back(value);
    } else if (name == "expect-error") {
      if (out.expect_error_kind) return fail("given twice");
      const size_t space = value.find_first_of(" \t");
      out.expect_error_kind = value.substr(0, space);
      out.expect_error_text = space == std::string::npos ? "" : trim(value.substr(space));
      if (out.expect_error_kind->empty()) return fail("needs an error kind");
    } else if (name == "hosts") {
      if (!once(seen_hosts)) return fail("given twice");
      out.hosts = value;
    } else if (name == "param" || name == "event") {
      std::string key, text;
      if (!split_assignment(value, key, text)) return fail("takes NAME=VALUE");
      auto& into = name == "param" ? out.params : out.events;
      if (into.count(key)) return fail(fmt::format("gives `{}` twice", key));
      into[key] = text;
    } else if (name == "approve") {
      if (!once(seen_approve)) return fail("given twice");
      if (value != "yes" && value != "no") return fail("takes yes or no");
      out.approve = value == "yes";
    } else if (name == "workflow") {
      if (!once(seen_workflow)) return fail("given twice");
      out.workflow = value;
    } else if (name == "vault") {
      if (out.vault) return fail("given twice");
      out.vault = value;
    }
  }
  if (!expect_lines.empty()) {
    std::string text;
    for (const std::string& l : expect_lines) text += l + "\n";
    auto j = nlohmann::ordered_json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      error = fmt::format("`expect:` is not JSON: {}", trim(text));
      return false;
    }
    out.expect_json = canonical(j);
  }
  if (out.expect_json && out.expect_error_kind) {
    error = "a case expects either a value (`expect:`) or an error (`expect-error:`), not both";
    return false;
  }
  return true;
}

RunCaseResult run_case(const std::string& path, const RunDirectives& d, const RunCaseOptions& run_options) {
  RunCaseResult out;
  CompileResult compiled = compile_file(path);
  if (!compiled.module) {
    out.failure = "the case does not compile to a module";
    if (!compiled.error.empty()) out.failure += ": " + compiled.error;
    for (const Diagnostic& diag : compiled.compilation->diagnostics().all())
      if (diag.severity == Severity::Error) out.failure += "\n  " + diag.message;
    for (const Diagnostic& diag : compiled.lowering.all()) out.failure += "\n  " + diag.message;
    return out;
  }
  const bytecode::Module& module = *compiled.module;

  // Which workflow: the one named, or the only one.
  std::optional<uint32_t> index;
  if (d.workflow.empty()) {
    if (module.workflows.size() == 1) index = 0;
  } else {
    index = bytecode::find_workflow(module, d.workflow);
  }
  if (!index) {
    out.failure = d.workflow.empty() ? "the file has several workflows: name one with `// workflow: NAME`"
                                     : fmt::format("no workflow `{}`", d.workflow);
    return out;
  }
  const bytecode::Workflow& w = module.workflows[*index];
  if (auto unknown = local::unknown_parameter(w, d.params)) {
    out.failure = *unknown;
    return out;
  }

  std::ostringstream timeline;
  local::LocalOptions options;
  options.approve = d.approve ? local::ApproveMode::Yes : local::ApproveMode::No;
  options.fast = true;
  options.events = d.events;
  options.timeline = &timeline;
  options.suspend_at_effects = run_options.suspend_at_effects;
  if (d.vault) {
    std::string error;
    if (!local::parse_vault(*d.vault, "`// vault:`", options.vault, error)) {
      out.failure = error;
      return out;
    }
  }

  std::string load_error;
  auto program = vm::load_program(module, load_error);
  if (!program) {
    out.failure = load_error;
    return out;
  }
  local::LocalRunner runner(program, std::move(options));
  std::vector<vm::Value> args;
  local::HostTargets targets;
  targets.unnamed = local::split_commas(d.hosts);
  if (auto error = local::bind_arguments(program, w, d.params, targets, runner, args)) {
    out.failure = "cannot bind the parameters: " + error->message;
    return out;
  }

  const local::RunOutcome outcome = runner.run(*index, std::move(args));
  out.timeline = timeline.str();
  const std::string kind = effects::field_string(outcome.error, "kind");
  const std::string message = effects::field_string(outcome.error, "message");
  if (d.expect_json) {
    if (outcome.status != vm::Status::Completed) {
      out.failure = fmt::format("expected the value {}, but the workflow failed: {}: {}", *d.expect_json, kind, message);
      return out;
    }
    const std::string actual = canonical(vm::to_json(outcome.value));
    if (actual != *d.expect_json) {
      out.failure = fmt::format("expected the value {}\n     but got {}", *d.expect_json, actual);
      return out;
    }
  } else if (d.expect_error_kind) {
    if (outcome.status == vm::Status::Completed) {
      out.failure = fmt::format("expected an error `{}`, but the workflow completed with {}", *d.expect_error_kind,
                                canonical(vm::to_json(outcome.value)));
      return out;
    }
    if (kind != *d.expect_error_kind || message.find(d.expect_error_text) == std::string::npos) {
      out.failure = fmt::format("expected an error `{}`{}, but got `{}`: {}", *d.expect_error_kind,
                                d.expect_error_text.empty() ? "" : fmt::format(" with \"{}\"", d.expect_error_text), kind,
                                message);
      return out;
    }
  } else {
    out.failure = "the file has no `// expect:` or `// expect-error:` directive";
    return out;
  }
  out.passed = true;
  return out;
}

}  // namespace wf::test

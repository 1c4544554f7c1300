// `wf graph FILE` (SPEC §6): checks the file and prints one workflow's control-flow graph as
// Graphviz DOT (default) or a Mermaid flowchart on stdout. A file with errors gets its
// diagnostics on stderr and exit code 1, as `wf check` would give.
#include "graph_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "diagnostics/render_text.h"
#include "driver/compilation.h"
#include "exit_codes.h"
#include "graph/graph.h"

namespace wf::cli {

namespace {

struct GraphOptions {
  std::string file, workflow, format = "dot";
};

int graph_file(const GraphOptions& o) {
  Compilation c;
  if (!c.check_file(o.file) && c.load_error()) {
    fmt::print(stderr, "wf: cannot read {}: {}\n", o.file, *c.load_error());
    return kExitUsage;
  }
  bool errors = false;
  for (const Diagnostic& d : c.diagnostics().all())
    if (d.severity == Severity::Error) {
      fmt::print(stderr, "{}\n", render_text(c.files(), d, false));
      errors = true;
    }
  if (errors) return kExitFailed;

  std::vector<const WorkflowDecl*> workflows;
  for (const auto& d : c.root().decls)
    if (d && d->kind == DeclKind::Workflow) workflows.push_back(static_cast<const WorkflowDecl*>(d.get()));
  const WorkflowDecl* chosen = nullptr;
  for (const WorkflowDecl* w : workflows)
    if (o.workflow.empty() ? workflows.size() == 1 : w->name.text == o.workflow) chosen = w;
  if (!chosen) {
    std::vector<std::string> names;
    for (const WorkflowDecl* w : workflows) names.push_back(w->name.text);
    fmt::print(stderr, "wf: {} — workflows in {}: {}\n",
               o.workflow.empty() ? "choose one with --workflow NAME" : fmt::format("no workflow `{}`", o.workflow), o.file,
               names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")));
    return kExitUsage;
  }
  const graph::Graph g = graph::build_graph(c, *chosen);
  fmt::print("{}", o.format == "mermaid" ? graph::render_mermaid(g) : graph::render_dot(g));
  return kExitOk;
}

}  // namespace

void register_graph_command(CLI::App& app) {
  auto o = std::make_shared<GraphOptions>();
  CLI::App* cmd = app.add_subcommand("graph", "Print a workflow's control-flow graph as DOT or Mermaid");
  cmd->add_option("file", o->file, "A .wf file")->required();
  cmd->add_option("--workflow", o->workflow, "The workflow to draw (may be left out when there is one)");
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"dot", "mermaid"}))->capture_default_str();
  cmd->callback([o] {
    const int code = graph_file(*o);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli

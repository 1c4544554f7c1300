// `wf graph`: the control-flow graph of a workflow with every kind of statement has the nodes
// and edges it should; its DOT output is accepted by Graphviz and its Mermaid output has one line
// per edge; labels are escaped for each format; and one sample's DOT matches a golden file
// (WF_UPDATE_GOLDEN=1 rewrites it).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "driver/compilation.h"
#include "graph/graph.h"

namespace wf {
namespace {

namespace fs = std::filesystem;
using graph::EdgeKind;
using graph::Graph;
using graph::NodeKind;

const char* kShapes = R"(
workflow shapes(targets: hosts, names: list<string>) -> int {
  var n = 0
  if len(targets) > 2 {
    log "many"
  } else if len(targets) == 0 {
    fail "no \"targets\" given"
  } else {
    n = 1
  }
  for name in names {
    if name == "skip" { continue }
    if name == "stop" { break }
    run command "echo {{name}} | tee /tmp/x" on targets
  }
  while n < 3 {
    n = n + 1
  }
  step "Deploy <all>" retry 2 every 30s {
    parallel {
      branch "web" { run service_control {service: "nginx", action: "restart"} on targets }
      branch "db"  { sleep 1m }
    }
    parallel for h in targets limit 2 {
      run command ["uptime"] on [h]
    }
  }
  try {
    approve "Proceed?"
    let r = run script probe(url: "http://x") on targets
  } catch err {
    notify "failed: {{err.message}}" to slack("#ops")
  } finally {
    log "done"
  }
  return n
}

script probe(url: string) {
  lang = bash
  body = r"curl -fsS $WF_PARAM_URL"
}
)";

struct Built {
  std::unique_ptr<Compilation> compilation;
  Graph graph;
};

Built build(const std::string& text, const std::string& workflow) {
  Built b;
  b.compilation = std::make_unique<Compilation>();
  b.compilation->check_text("graph_test.wf", text);
  for (const Diagnostic& d : b.compilation->diagnostics().all())
    EXPECT_NE(d.severity, Severity::Error) << d.message << " at " << d.where.range.begin;
  for (const auto& d : b.compilation->root().decls)
    if (d->kind == DeclKind::Workflow && d->name.text == workflow)
      b.graph = graph::build_graph(*b.compilation, static_cast<const WorkflowDecl&>(*d));
  return b;
}

size_t find_node(const Graph& g, const std::string& label_start) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].label.rfind(label_start, 0) == 0) return i;
  ADD_FAILURE() << "no node labelled `" << label_start << "...`";
  return 0;
}

bool has_edge(const Graph& g, size_t from, size_t to, const std::string& label, EdgeKind kind = EdgeKind::Normal) {
  for (const auto& e : g.edges)
    if (e.from == from && e.to == to && e.label == label && e.kind == kind) return true;
  return false;
}

TEST(Graph, NodesAndEdgesOfEveryConstruct) {
  const Graph g = build(kShapes, "shapes").graph;
  ASSERT_GE(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].kind, NodeKind::Start);
  EXPECT_EQ(g.nodes[0].label, "shapes");
  EXPECT_EQ(g.nodes[1].kind, NodeKind::End);

  // if / else if / else: the condition text on the node, true and false on the edges.
  const size_t first = find_node(g, "len(targets) > 2");
  const size_t second = find_node(g, "len(targets) == 0");
  EXPECT_EQ(g.nodes[first].kind, NodeKind::Decision);
  EXPECT_TRUE(has_edge(g, 0, first, ""));
  EXPECT_TRUE(has_edge(g, first, second, "false"));
  const size_t fail = find_node(g, "fail ");
  EXPECT_EQ(g.nodes[fail].kind, NodeKind::Fail);
  EXPECT_TRUE(has_edge(g, second, fail, "true"));
  EXPECT_TRUE(has_edge(g, fail, 1, ""));

  // for: the body hangs off the head on `each`, comes back on a back edge, leaves on `done`;
  // `continue` goes back too and `break` leaves.
  const size_t loop = find_node(g, "for name in names");
  EXPECT_EQ(g.nodes[loop].kind, NodeKind::Loop);
  EXPECT_TRUE(has_edge(g, first, loop, "true"));  // `log` draws nothing: the then-branch is empty
  const size_t skip = find_node(g, "name == \"skip\"");
  const size_t stop = find_node(g, "name == \"stop\"");
  const size_t echo = find_node(g, "run command \"echo {{name}} | tee /tmp/x\"\non targets");
  EXPECT_TRUE(has_edge(g, loop, skip, "each"));
  EXPECT_TRUE(has_edge(g, skip, loop, "true", EdgeKind::Back));
  EXPECT_TRUE(has_edge(g, stop, echo, "false"));
  EXPECT_TRUE(has_edge(g, echo, loop, "", EdgeKind::Back));
  const size_t wloop = find_node(g, "while n < 3");
  EXPECT_TRUE(has_edge(g, loop, wloop, "done"));
  EXPECT_TRUE(has_edge(g, stop, wloop, "true"));  // break
  EXPECT_TRUE(has_edge(g, wloop, wloop, "true", EdgeKind::Back));

  // step and parallel: clusters, fork/join, one lane per branch labelled with its name.
  const size_t fork = find_node(g, "parallel");
  EXPECT_EQ(g.nodes[fork].kind, NodeKind::Fork);
  EXPECT_TRUE(has_edge(g, wloop, fork, "false"));
  ASSERT_GE(g.nodes[fork].cluster, 0);
  EXPECT_EQ(g.clusters[g.nodes[fork].cluster].label, "step \"Deploy <all>\" retry 2 every 30s");
  const size_t web = find_node(g, "run service_control {service: \"nginx\", action: \"restart\"}");
  const size_t db = find_node(g, "sleep 1m");
  EXPECT_TRUE(has_edge(g, fork, web, "web"));
  EXPECT_TRUE(has_edge(g, fork, db, "db"));
  EXPECT_EQ(g.clusters[g.nodes[web].cluster].label, "branch \"web\"");
  EXPECT_EQ(g.clusters[g.nodes[web].cluster].kind, graph::ClusterKind::Lane);
  EXPECT_EQ(g.clusters[g.nodes[db].cluster].parent, g.nodes[fork].cluster);
  const size_t pfor = find_node(g, "parallel for h in targets limit 2");
  const size_t uptime = find_node(g, "run command [\"uptime\"]");
  EXPECT_EQ(g.clusters[g.nodes[uptime].cluster].label, "for each h in targets");
  EXPECT_TRUE(has_edge(g, pfor, uptime, ""));

  // try/catch/finally: what may raise in the body has an error edge to the catch.
  const size_t approve = find_node(g, "approve \"Proceed?\"");
  const size_t probe = find_node(g, "run script probe(url: \"http://x\")");
  const size_t caught = find_node(g, "catch err");
  const size_t fin = find_node(g, "finally");
  EXPECT_TRUE(has_edge(g, approve, caught, "error", EdgeKind::Error));
  EXPECT_TRUE(has_edge(g, probe, caught, "error", EdgeKind::Error));
  EXPECT_TRUE(has_edge(g, probe, fin, ""));
  const size_t notify = find_node(g, "notify slack(\"#ops\")");
  EXPECT_TRUE(has_edge(g, caught, notify, ""));
  EXPECT_TRUE(has_edge(g, notify, fin, ""));
  const size_t ret = find_node(g, "return n");
  EXPECT_EQ(g.nodes[ret].kind, NodeKind::Return);
  EXPECT_TRUE(has_edge(g, fin, ret, ""));
  EXPECT_TRUE(has_edge(g, ret, 1, ""));
}

TEST(Graph, ChildWorkflowsCheckoutsAndWaits) {
  const char* text = R"(
workflow child(targets: hosts) -> int { return 1 }
workflow parent(targets: hosts) {
  let n = child(targets)
  checkout db = pam "db_admin" reason "x" ttl 5m {
    run command "vacuumdb" on targets as db
  }
  let e = wait event "ready" timeout 1h
}
)";
  const Graph g = build(text, "parent").graph;
  const size_t call = find_node(g, "workflow child(targets)");
  const size_t out = find_node(g, "checkout db = pam \"db_admin\" ttl 5m");
  const size_t vacuum = find_node(g, "run command \"vacuumdb\"");
  const size_t in = find_node(g, "checkin db");
  const size_t wait = find_node(g, "wait event \"ready\"");
  EXPECT_TRUE(has_edge(g, 0, call, ""));
  EXPECT_TRUE(has_edge(g, call, out, ""));
  EXPECT_TRUE(has_edge(g, out, vacuum, ""));
  EXPECT_TRUE(has_edge(g, vacuum, in, ""));
  EXPECT_TRUE(has_edge(g, in, wait, ""));
  EXPECT_TRUE(has_edge(g, wait, 1, ""));
}

// Runs `dot -Tsvg` on `text`; the exit status, or -1 when Graphviz is not installed.
int run_dot(const std::string& text, const fs::path& dir) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) return -1;
  const fs::path in = dir / "graph.dot";
  std::ofstream(in) << text;
  const std::string command = "dot -Tsvg '" + in.string() + "' -o /dev/null 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return -1;
  char buffer[512];
  std::string messages;
  while (fgets(buffer, sizeof buffer, pipe)) messages += buffer;
  const int status = pclose(pipe);
  EXPECT_TRUE(messages.empty()) << messages;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Graph, DotIsAcceptedByGraphviz) {
  const fs::path dir = fs::temp_directory_path() / ("wf-graph-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string dot = graph::render_dot(build(kShapes, "shapes").graph);
  const int status = run_dot(dot, dir);
  fs::remove_all(dir);
  if (status < 0) GTEST_SKIP() << "Graphviz (dot) is not installed";
  EXPECT_EQ(status, 0) << dot;
}

TEST(Graph, DotEscapesLabels) {
  const std::string dot = graph::render_dot(build(kShapes, "shapes").graph);
  EXPECT_EQ(dot.rfind("digraph \"shapes\" {\n", 0), 0u);
  // The source text `fail "no \"targets\" given"`: quotes and backslashes escaped once more.
  EXPECT_NE(dot.find(R"(label="fail \"no \\\"targets\\\" given\"")"), std::string::npos) << dot;
  EXPECT_NE(dot.find(R"(label="run command \"echo {{name}} | tee /tmp/x\"\non targets")"), std::string::npos) << dot;
  EXPECT_NE(dot.find("subgraph cluster_0 {"), std::string::npos);
}

TEST(Graph, MermaidHasOneLinePerEdgeAndNoRawQuotes) {
  const Graph g = build(kShapes, "shapes").graph;
  const std::string m = graph::render_mermaid(g);
  EXPECT_EQ(m.rfind("flowchart TD\n", 0), 0u);
  std::istringstream in(m);
  std::string line;
  size_t edges = 0;
  while (std::getline(in, line)) {
    const bool edge = line.find(" --> ") != std::string::npos || line.find(" -.-> ") != std::string::npos ||
                      line.find(" -->|") != std::string::npos || line.find(" -.->|") != std::string::npos;
    edges += edge;
    // Every quote opens or closes a label: labels hold entities, never a raw `"`, `|` or `#`
    // outside an entity.
    EXPECT_EQ(std::count(line.begin(), line.end(), '"') % 2, 0) << line;
  }
  EXPECT_EQ(edges, g.edges.size());
  EXPECT_NE(m.find(R"(n)"), std::string::npos);
  EXPECT_NE(m.find("#quot;no \\#quot;targets\\#quot; given#quot;"), std::string::npos) << m;
  EXPECT_NE(m.find("echo {{name}} #124; tee /tmp/x"), std::string::npos) << m;
  EXPECT_NE(m.find("step #quot;Deploy #lt;all#gt;#quot;"), std::string::npos) << m;
  EXPECT_NE(m.find("slack(#quot;#35;ops#quot;)"), std::string::npos) << m;
  EXPECT_NE(m.find("-.->|\"error\"|"), std::string::npos) << m;
  EXPECT_NE(m.find("\n  subgraph s"), std::string::npos) << m;
}

TEST(Graph, OutputIsDeterministic) {
  EXPECT_EQ(graph::render_dot(build(kShapes, "shapes").graph), graph::render_dot(build(kShapes, "shapes").graph));
  EXPECT_EQ(graph::render_mermaid(build(kShapes, "shapes").graph), graph::render_mermaid(build(kShapes, "shapes").graph));
}

// The golden files under tests/golden/graph, one per sample: `NAME.dot` for samples/NAME.wf.
TEST(Graph, SampleMatchesGoldenDot) {
  const fs::path golden_dir = fs::path(WF_SOURCE_DIR) / "tests" / "golden" / "graph";
  size_t compared = 0;
  for (const auto& entry : fs::directory_iterator(golden_dir)) {
    if (entry.path().extension() != ".dot") continue;
    const fs::path sample = fs::path(WF_SOURCE_DIR) / "samples" / (entry.path().stem().string() + ".wf");
    Compilation c;
    ASSERT_TRUE(c.check_file(sample.string())) << sample;
    const WorkflowDecl* w = nullptr;
    for (const auto& d : c.root().decls)
      if (d->kind == DeclKind::Workflow && !w) w = static_cast<const WorkflowDecl*>(d.get());
    ASSERT_NE(w, nullptr) << sample;
    const std::string dot = graph::render_dot(graph::build_graph(c, *w));
    if (const char* update = std::getenv("WF_UPDATE_GOLDEN"); update && std::string(update) == "1") {
      std::ofstream(entry.path()) << dot;
      continue;
    }
    std::ifstream in(entry.path());
    const std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(dot, expected) << "graph of " << sample << " differs from " << entry.path()
                             << " (WF_UPDATE_GOLDEN=1 rewrites it)";
    ++compared;
  }
  if (!std::getenv("WF_UPDATE_GOLDEN")) EXPECT_GE(compared, 1u);
}

TEST(GraphCli, FormatsAndErrors) {
  const std::string sample = std::string(WF_SOURCE_DIR) + "/samples/uptime_report.wf";
  auto run = [](const std::string& args, std::string* out = nullptr) {
    FILE* pipe = popen(("'" WF_BINARY "' " + args + " 2>/dev/null").c_str(), "r");
    char buffer[4096];
    size_t n;
    std::string text;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
    if (out) *out = text;
    const int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string out;
  EXPECT_EQ(run("graph '" + sample + "'", &out), 0);
  EXPECT_EQ(out.rfind("digraph \"uptime_report\"", 0), 0u) << out;
  EXPECT_EQ(run("graph '" + sample + "' --format mermaid", &out), 0);
  EXPECT_EQ(out.rfind("flowchart TD\n", 0), 0u) << out;
  EXPECT_EQ(run("graph '" + sample + "' --workflow nope"), 2);
  EXPECT_EQ(run("graph '" + sample + "' --format svg"), 2);
  EXPECT_EQ(run("graph '" + std::string(WF_SOURCE_DIR) + "/samples/certificate_rotation.wf'"), 2);  // two workflows
}

}  // namespace
}  // namespace wf

// The control-flow graph as Graphviz DOT (see graph.h).
#include <fmt/format.h>

#include "graph/graph.h"
#include "graph/render_common.h"

namespace wf::graph {

namespace {

// A DOT double-quoted string: `"` and `\` are escaped, and a line break becomes `\n`, which
// Graphviz draws as a centred line break.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c != '\r') {
      out.push_back(c);
    }
  }
  return out + "\"";
}

const char* node_style(NodeKind k) {
  switch (k) {
    case NodeKind::Start: return "shape=oval, style=bold";
    case NodeKind::End: return "shape=doublecircle";
    case NodeKind::Effect: return "shape=box, style=rounded";
    case NodeKind::Decision: return "shape=diamond";
    case NodeKind::Loop: return "shape=hexagon";
    case NodeKind::Fork:
    case NodeKind::Join: return "shape=box, style=filled, fillcolor=gray85";
    case NodeKind::Catch:
    case NodeKind::Finally: return "shape=box, style=\"rounded,dashed\"";
    case NodeKind::Fail: return "shape=octagon";
    case NodeKind::Return: return "shape=oval";
  }
  return "shape=box";
}

void write_cluster(const Graph& g, const ClusterTree& tree, int c, int depth, std::string& out) {
  const std::string pad(static_cast<size_t>(depth) * 2, ' ');
  out += fmt::format("{}subgraph cluster_{} {{\n", pad, c);
  out += fmt::format("{}  label={};\n", pad, quoted(g.clusters[c].label));
  out += fmt::format("{}  style={};\n", pad, g.clusters[c].kind == ClusterKind::Step ? "rounded" : "dashed");
  for (size_t n : tree.nodes[c + 1]) out += fmt::format("{}  n{};\n", pad, n);
  for (int child : tree.children[c + 1])
    if (tree.used[child]) write_cluster(g, tree, child, depth + 1, out);
  out += pad + "}\n";
}

}  // namespace

std::string render_dot(const Graph& g) {
  std::string out = fmt::format("digraph {} {{\n", quoted(g.workflow));
  out += "  node [fontname=\"Helvetica\", fontsize=10];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  for (size_t i = 0; i < g.nodes.size(); ++i)
    out += fmt::format("  n{} [label={}, {}];\n", i, quoted(g.nodes[i].label), node_style(g.nodes[i].kind));
  const ClusterTree tree = cluster_tree(g);
  for (int c : tree.children[0])
    if (tree.used[c]) write_cluster(g, tree, c, 1, out);
  for (const Edge& e : g.edges) {
    std::string attrs;
    if (!e.label.empty()) attrs += "label=" + quoted(e.label);
    if (e.kind == EdgeKind::Back) attrs += std::string(attrs.empty() ? "" : ", ") + "style=dashed";
    if (e.kind == EdgeKind::Error) attrs += std::string(attrs.empty() ? "" : ", ") + "style=dashed, color=red, fontcolor=red";
    out += fmt::format("  n{} -> n{}{};\n", e.from, e.to, attrs.empty() ? "" : " [" + attrs + "]");
  }
  return out + "}\n";
}

}  // namespace wf::graph

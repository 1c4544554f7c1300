// The control-flow graph as a Mermaid flowchart (see graph.h).
#include <fmt/format.h>

#include "graph/graph.h"
#include "graph/render_common.h"

namespace wf::graph {

namespace {

// A Mermaid quoted label. Mermaid has no backslash escapes: a quote must be written as the
// entity `#quot;`, and `#`, `&`, `<`, `>` and `|` as entities too, since a label is HTML and an
// edge label ends at `|`. A line break is `<br>`.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "#quot;"; break;
      case '#': out += "#35;"; break;
      case '&': out += "#amp;"; break;
      case '<': out += "#lt;"; break;
      case '>': out += "#gt;"; break;
      case '|': out += "#124;"; break;
      case '\n': out += "<br>"; break;
      case '\r': break;
      default: out.push_back(c);
    }
  }
  return out + "\"";
}

std::string node_text(size_t id, const Node& n) {
  const std::string l = quoted(n.label);
  switch (n.kind) {
    case NodeKind::Start: return fmt::format("n{}([{}])", id, l);
    case NodeKind::End: return fmt::format("n{}(({}))", id, l);
    case NodeKind::Effect: return fmt::format("n{}({})", id, l);
    case NodeKind::Decision: return fmt::format("n{}{{{}}}", id, l);
    case NodeKind::Loop: return fmt::format("n{}{{{{{}}}}}", id, l);
    case NodeKind::Fork:
    case NodeKind::Join: return fmt::format("n{}[[{}]]", id, l);
    case NodeKind::Catch:
    case NodeKind::Finally: return fmt::format("n{}[/{}/]", id, l);
    case NodeKind::Fail: return fmt::format("n{}>{}]", id, l);
    case NodeKind::Return: return fmt::format("n{}([{}])", id, l);
  }
  return fmt::format("n{}[{}]", id, l);
}

void write_cluster(const Graph& g, const ClusterTree& tree, int c, int depth, std::string& out) {
  const std::string pad(static_cast<size_t>(depth) * 2, ' ');
  out += fmt::format("{}subgraph s{} [{}]\n", pad, c, quoted(g.clusters[c].label));
  for (size_t n : tree.nodes[c + 1]) out += fmt::format("{}  {}\n", pad, node_text(n, g.nodes[n]));
  for (int child : tree.children[c + 1])
    if (tree.used[child]) write_cluster(g, tree, child, depth + 1, out);
  out += pad + "end\n";
}

}  // namespace

std::string render_mermaid(const Graph& g) {
  std::string out = "flowchart TD\n";
  const ClusterTree tree = cluster_tree(g);
  for (size_t n : tree.nodes[0]) out += "  " + node_text(n, g.nodes[n]) + "\n";
  for (int c : tree.children[0])
    if (tree.used[c]) write_cluster(g, tree, c, 1, out);
  for (const Edge& e : g.edges) {
    const char* arrow = e.kind == EdgeKind::Normal ? "-->" : "-.->";
    if (e.label.empty()) out += fmt::format("  n{} {} n{}\n", e.from, arrow, e.to);
    else out += fmt::format("  n{} {}|{}| n{}\n", e.from, arrow, quoted(e.label), e.to);
  }
  return out;
}

}  // namespace wf::graph

// A workflow's control-flow graph (`wf graph`, SPEC §6), built from the checked AST: effects,
// branches, loops, parallel lanes, try/catch and the ways to the end, as plain nodes, edges and
// clusters (steps and parallel lanes) that the DOT and Mermaid renderers lay out. Everything is
// numbered in source order, so the same file always gives the same text.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace wf {

class Compilation;
struct WorkflowDecl;

namespace graph {

enum class NodeKind {
  Start,     // the workflow's entry, labelled with its name
  End,       // where `return`, `fail` and the last statement lead
  Effect,    // run, approve, sleep, checkout, checkin, notify, wait event, a child workflow
  Decision,  // an `if` condition; its edges are labelled true and false
  Loop,      // the head of a `for` or `while`; the body's last edges come back to it
  Fork,      // the start of `parallel` or `parallel for`
  Join,      // where the lanes of a fork meet again
  Catch,     // the entry of a catch block, where errors of the try body lead
  Finally,   // the entry of a finally block
  Fail,      // `fail "..."`
  Return,    // `return ...`
};

enum class EdgeKind {
  Normal,
  Back,   // a loop's way back to its head (`continue`, or the end of the body)
  Error,  // from something that may raise to the catch (or finally) that receives it
};

struct Node {
  NodeKind kind;
  std::string label;
  int cluster = -1;  // the innermost cluster it lies in; -1: none
};

struct Edge {
  size_t from, to;  // node indices
  std::string label;
  EdgeKind kind = EdgeKind::Normal;
};

enum class ClusterKind { Step, Lane };

struct Cluster {
  ClusterKind kind;
  std::string label;
  int parent = -1;
};

struct Graph {
  std::string workflow;
  std::vector<Node> nodes;  // node 0 is Start, node 1 is End
  std::vector<Edge> edges;
  std::vector<Cluster> clusters;
};

// The graph of `workflow`, a declaration of the compilation's root module.
Graph build_graph(const Compilation& compilation, const WorkflowDecl& workflow);

// Graphviz DOT: one `digraph`, clusters as `subgraph cluster_N`.
std::string render_dot(const Graph& g);
// Mermaid: `flowchart TD`, node declarations, `subgraph` blocks, then one line per edge.
std::string render_mermaid(const Graph& g);

}  // namespace graph
}  // namespace wf

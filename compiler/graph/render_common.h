// What both renderers need of a graph's clusters: which nodes and clusters each one holds, and
// which clusters hold no node at all (a step with an empty body), which neither format draws.
#pragma once

#include <cstddef>
#include <vector>

#include "graph/graph.h"

namespace wf::graph {

// Index 0 is the top level; cluster c is at index c + 1.
struct ClusterTree {
  std::vector<std::vector<size_t>> nodes;
  std::vector<std::vector<int>> children;
  std::vector<bool> used;  // by cluster index: some node lies in it or in a cluster inside it
};

inline ClusterTree cluster_tree(const Graph& g) {
  ClusterTree t;
  t.nodes.resize(g.clusters.size() + 1);
  t.children.resize(g.clusters.size() + 1);
  t.used.assign(g.clusters.size(), false);
  for (size_t c = 0; c < g.clusters.size(); ++c) t.children[g.clusters[c].parent + 1].push_back(static_cast<int>(c));
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    t.nodes[g.nodes[n].cluster + 1].push_back(n);
    for (int c = g.nodes[n].cluster; c >= 0 && !t.used[c]; c = g.clusters[c].parent) t.used[c] = true;
  }
  return t;
}

}  // namespace wf::graph

// The shape of a legacy graph: which steps the first one reaches, the cycles that never wait (a
// busy loop, refused), and the immediate post-dominators that find where the two ways out of a
// conditional or of a step with a failure route meet again.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "legacy_graph.h"

namespace wf::legacy {

class GraphAnalysis {
 public:
  explicit GraphAnalysis(const Graph& graph);

  // Node numbers are the indexes of graph.steps; exit() is the one node every end and failure
  // goes to.
  size_t exit() const { return steps_.size(); }
  std::optional<size_t> index_of(const std::string& id) const;
  size_t node_of(const Target& t) const;  // exit() for an end or a failure
  // A step's ways out: one (its success; its failure fails the workflow) or two (true/false of a
  // conditional; success/failure of a step with a failure route).
  const std::vector<size_t>& successors(size_t node) const { return successors_[node]; }

  bool reachable(size_t node) const { return reachable_[node]; }
  // The ids of a cycle of reachable steps with no delay step in it (empty when there is none),
  // in the order the cycle runs.
  std::vector<std::string> cycle_without_delay() const;
  // The node where every way out of `node` meets again (its immediate post-dominator; exit()
  // when they only meet at the end); nullopt when no way out of it ends.
  std::optional<size_t> join_of(size_t node) const;

 private:
  const std::vector<Step>& steps_;
  std::unordered_map<std::string, size_t> index_;  // id -> node
  std::vector<std::vector<size_t>> successors_;
  std::vector<bool> reachable_;
  // Immediate post-dominators by Cooper, Harvey and Kennedy's iteration over the reversed graph
  // (linear passes, so a graph of thousands of steps is analysed at once): `order_` numbers the
  // nodes that reach the exit in a postorder of the reversed graph (the exit last); SIZE_MAX
  // for the others.
  std::vector<size_t> ipdom_, order_;
};

}  // namespace wf::legacy

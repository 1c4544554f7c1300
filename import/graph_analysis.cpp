// Reachability, busy cycles and post-dominators of a legacy graph (see graph_analysis.h).
#include "graph_analysis.h"

#include <cstdint>

namespace wf::legacy {

GraphAnalysis::GraphAnalysis(const Graph& graph) : steps_(graph.steps) {
  const size_t n = steps_.size();
  for (size_t i = 0; i < n; ++i) index_.emplace(steps_[i].id, i);
  successors_.resize(n + 1);
  for (size_t i = 0; i < n; ++i) {
    const Step& s = steps_[i];
    if (s.type == StepType::Conditional) {
      successors_[i] = {node_of(s.on_true), node_of(s.on_false)};
    } else {
      successors_[i] = {node_of(s.on_success)};
      if (s.on_failure) successors_[i].push_back(node_of(*s.on_failure));
    }
  }
  reachable_.assign(n + 1, false);
  std::vector<size_t> work = {0};
  reachable_[0] = true;
  while (!work.empty()) {
    const size_t at = work.back();
    work.pop_back();
    for (size_t next : successors_[at])
      if (!reachable_[next]) reachable_[next] = true, work.push_back(next);
  }
  // The reversed graph: who leads to each node.
  std::vector<std::vector<size_t>> predecessors(n + 1);
  for (size_t x = 0; x < n; ++x)
    if (reachable_[x])
      for (size_t s : successors_[x]) predecessors[s].push_back(x);
  // A postorder of the reversed graph from the exit, by an explicit stack (no recursion, however
  // long the graph).
  constexpr size_t kNone = SIZE_MAX;
  order_.assign(n + 1, kNone);
  std::vector<size_t> postorder;
  std::vector<bool> seen(n + 1, false);
  std::vector<std::pair<size_t, size_t>> stack = {{n, 0}};
  seen[n] = true;
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < predecessors[node].size()) {
      const size_t p = predecessors[node][next++];
      if (!seen[p]) seen[p] = true, stack.push_back({p, 0});
      continue;
    }
    order_[node] = postorder.size();
    postorder.push_back(node);
    stack.pop_back();
  }
  ipdom_.assign(n + 1, kNone);
  ipdom_[n] = n;
  auto intersect = [&](size_t a, size_t b) {
    while (a != b) {
      while (order_[a] < order_[b]) a = ipdom_[a];
      while (order_[b] < order_[a]) b = ipdom_[b];
    }
    return a;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = postorder.size(); i-- > 0;) {  // reverse postorder, the exit first
      const size_t x = postorder[i];
      if (x == n) continue;
      size_t best = kNone;
      for (size_t s : successors_[x]) {
        if (ipdom_[s] == kNone) continue;  // not reached yet, or never ends
        best = best == kNone ? s : intersect(s, best);
      }
      if (best != ipdom_[x]) ipdom_[x] = best, changed = true;
    }
  }
}

std::optional<size_t> GraphAnalysis::index_of(const std::string& id) const {
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

size_t GraphAnalysis::node_of(const Target& t) const {
  if (t.kind != Target::Kind::Step) return exit();
  return *index_of(t.step);  // parse_graph checked every target
}

std::vector<std::string> GraphAnalysis::cycle_without_delay() const {
  // A depth-first search over reachable steps that are not delays, by an explicit stack; an
  // edge back to a step on the current path closes a cycle.
  const size_t n = steps_.size();
  std::vector<int> state(n, 0);  // 0 new, 1 on the path, 2 done
  auto passable = [&](size_t s) { return s != exit() && steps_[s].type != StepType::Delay; };
  for (size_t root = 0; root < n; ++root) {
    if (!reachable_[root] || state[root] != 0 || !passable(root)) continue;
    std::vector<std::pair<size_t, size_t>> path = {{root, 0}};
    state[root] = 1;
    while (!path.empty()) {
      auto& [node, next] = path.back();
      if (next == successors_[node].size()) {
        state[node] = 2;
        path.pop_back();
        continue;
      }
      const size_t s = successors_[node][next++];
      if (!passable(s) || state[s] == 2) continue;
      if (state[s] == 1) {
        std::vector<std::string> cycle;
        bool in = false;
        for (const auto& [p, unused] : path) {
          if (p == s) in = true;
          if (in) cycle.push_back(steps_[p].id);
        }
        return cycle;
      }
      state[s] = 1;
      path.push_back({s, 0});
    }
  }
  return {};
}

std::optional<size_t> GraphAnalysis::join_of(size_t node) const {
  if (ipdom_[node] == SIZE_MAX) return std::nullopt;
  return ipdom_[node];
}

}  // namespace wf::legacy

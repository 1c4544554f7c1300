// Reachability, busy cycles and post-dominators of a legacy graph (see graph_analysis.h).
#include "graph_analysis.h"

#include <functional>

namespace wf::legacy {

GraphAnalysis::GraphAnalysis(const Graph& graph) : steps_(graph.steps) {
  const size_t n = steps_.size();
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
  // Post-dominators by the classic iteration to a fixed point: pdom(exit) = {exit}, pdom(x) = {x}
  // plus what post-dominates every successor of x. Graphs are small; sets are bit vectors.
  post_dominators_.assign(n + 1, std::vector<bool>(n + 1, true));
  post_dominators_[n].assign(n + 1, false);
  post_dominators_[n][n] = true;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t x = 0; x < n; ++x) {
      std::vector<bool> next(n + 1, true);
      for (size_t s : successors_[x])
        for (size_t d = 0; d <= n; ++d) next[d] = next[d] && post_dominators_[s][d];
      next[x] = true;
      if (next != post_dominators_[x]) post_dominators_[x] = std::move(next), changed = true;
    }
  }
}

std::optional<size_t> GraphAnalysis::index_of(const std::string& id) const {
  for (size_t i = 0; i < steps_.size(); ++i)
    if (steps_[i].id == id) return i;
  return std::nullopt;
}

size_t GraphAnalysis::node_of(const Target& t) const {
  if (t.kind != Target::Kind::Step) return exit();
  return *index_of(t.step);  // parse_graph checked every target
}

std::vector<std::string> GraphAnalysis::cycle_without_delay() const {
  // A depth-first search over reachable steps that are not delays; a back edge closes a cycle.
  const size_t n = steps_.size();
  std::vector<int> state(n, 0);  // 0 new, 1 on the path, 2 done
  std::vector<size_t> path;
  std::vector<std::string> found;
  std::function<bool(size_t)> visit = [&](size_t x) {
    state[x] = 1;
    path.push_back(x);
    for (size_t s : successors_[x]) {
      if (s == exit() || steps_[s].type == StepType::Delay) continue;
      if (state[s] == 1) {
        bool in = false;
        for (size_t p : path) {
          if (p == s) in = true;
          if (in) found.push_back(steps_[p].id);
        }
        return true;
      }
      if (state[s] == 0 && visit(s)) return true;
    }
    path.pop_back();
    state[x] = 2;
    return false;
  };
  for (size_t x = 0; x < n; ++x)
    if (reachable_[x] && state[x] == 0 && steps_[x].type != StepType::Delay && visit(x)) return found;
  return {};
}

std::optional<size_t> GraphAnalysis::join_of(size_t node) const {
  // The strict post-dominator closest to `node`: the one with the most post-dominators itself.
  std::optional<size_t> best;
  size_t best_size = 0;
  for (size_t d = 0; d <= exit(); ++d) {
    if (d == node || !post_dominators_[node][d]) continue;
    size_t size = 0;
    for (bool b : post_dominators_[d]) size += b;
    if (!best || size > best_size) best = d, best_size = size;
  }
  // A node no way of which ends keeps the full set: every node "post-dominates" it.
  if (best && !post_dominators_[node][exit()]) return std::nullopt;
  return best;
}

}  // namespace wf::legacy

// Building the control-flow graph from the AST (see graph.h). The builder threads "ports" —
// edges still waiting for the node they lead to — through the statements: each statement takes
// the ports that reach it and returns the ports that leave it, so an `if` returns the ports of
// both branches and a `return` returns none.
#include "graph/graph.h"

#include <algorithm>
#include <optional>

#include "driver/compilation.h"
#include "syntax/ast_walk.h"

namespace wf::graph {

namespace {

constexpr size_t kMaxLabel = 60;

struct Port {
  size_t from;
  std::string label;
};
using Ports = std::vector<Port>;

// Source text on one line: runs of whitespace (a multi-line string, a wrapped clause list)
// become one space, and long text is cut with an ellipsis so nodes stay readable.
std::string one_line(std::string_view text, size_t limit = kMaxLabel) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  if (out.size() <= limit) return out;
  size_t cut = limit;
  // Never cut a UTF-8 sequence in two.
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  return out.substr(0, cut) + "…";
}

class Builder {
 public:
  Builder(const SourceFile& file, const WorkflowDecl& w) : file_(file) {
    g_.workflow = w.name.text;
    add(NodeKind::Start, w.name.text);
    add(NodeKind::End, "end");
  }

  Graph build(const WorkflowDecl& w) {
    connect(block(w.body, {{0, ""}}), kEnd);
    return std::move(g_);
  }

 private:
  static constexpr size_t kEnd = 1;

  struct Loop {
    size_t head;
    Ports breaks;
  };
  // A try body being built: the nodes in it that may raise, for the edges to its handler.
  using Raisers = std::vector<size_t>;

  std::string text(const Expr* e, size_t limit = kMaxLabel) const {
    return e ? one_line(file_.slice(e->range), limit) : std::string();
  }

  // A branch name as the edge into its lane shows it: a literal without its quotes.
  std::string unquoted(const Expr* e) const {
    if (e && e->kind == ExprKind::String && static_cast<const StringExpr*>(e)->is_plain())
      return one_line(static_cast<const StringExpr*>(e)->plain_text());
    return text(e);
  }

  size_t add(NodeKind kind, std::string label) {
    g_.nodes.push_back(Node{kind, std::move(label), cluster_});
    return g_.nodes.size() - 1;
  }

  void connect(const Ports& in, size_t to, EdgeKind kind = EdgeKind::Normal) {
    for (const Port& p : in) g_.edges.push_back(Edge{p.from, to, p.label, kind});
  }

  // A node reached by `in`; returns the port that leaves it.
  Ports step_to(NodeKind kind, std::string label, const Ports& in, bool may_raise = false) {
    const size_t n = add(kind, std::move(label));
    connect(in, n);
    if (may_raise && !raisers_.empty()) raisers_.back()->push_back(n);
    return {{n, ""}};
  }

  int open_cluster(ClusterKind kind, std::string label) {
    g_.clusters.push_back(Cluster{kind, std::move(label), cluster_});
    return static_cast<int>(g_.clusters.size() - 1);
  }

  Ports block(const Block& b, Ports in) {
    for (const auto& s : b.stmts)
      if (s) in = stmt(*s, std::move(in));
    return in;
  }

  // The effects inside an expression, in source order, each a node after the previous one.
  Ports effects_in(const Expr* e, Ports in, bool statement = false) {
    if (!e) return in;
    std::vector<const Expr*> found;
    AstVisitor v;
    v.on_expr = [&](Expr& x) {
      if (x.kind == ExprKind::Run || x.kind == ExprKind::Approve || x.kind == ExprKind::WaitEvent ||
          (x.kind == ExprKind::Call && static_cast<CallExpr&>(x).target == CallTarget::Workflow))
        found.push_back(&x);
    };
    walk(const_cast<Expr*>(e), v);
    for (const Expr* x : found) in = effect(*x, std::move(in), statement && x == e);
    return in;
  }

  Ports effect(const Expr& e, Ports in, bool statement) {
    switch (e.kind) {
      case ExprKind::Run: {
        const auto& r = static_cast<const RunExpr&>(e);
        std::string what;
        if (r.job == JobKind::Script) {
          std::string args;
          for (const Arg& a : r.script_args) args += (args.empty() ? "" : ", ") + std::string(file_.slice(a.range));
          what = "script " + r.script.text + "(" + args + ")";
        } else if (r.job == JobKind::Typed) {
          what = r.kind_name.text + " " + text(r.payload.get(), 1000);
        } else {
          what = "command " + text(r.payload.get(), 1000);
        }
        // Without allow_failure a failed job raises job_failed.
        return step_to(NodeKind::Effect, one_line("run " + what) + "\non " + text(r.on.get()), in, !r.allow_failure);
      }
      case ExprKind::Approve: {
        // Only the statement form raises (`rejected`); the expression form returns the decision.
        const auto& a = static_cast<const ApproveExpr&>(e);
        return step_to(NodeKind::Effect, "approve " + text(a.title.get()), in, statement);
      }
      case ExprKind::WaitEvent:
        return step_to(NodeKind::Effect, "wait event " + text(static_cast<const WaitEventExpr&>(e).event.get()), in, true);
      default:
        return step_to(NodeKind::Effect, "workflow " + text(&e), in, true);
    }
  }

  Ports stmt(const Stmt& s, Ports in) {
    switch (s.kind) {
      case StmtKind::Let: return effects_in(static_cast<const LetStmt&>(s).init.get(), std::move(in));
      case StmtKind::Assign: return effects_in(static_cast<const AssignStmt&>(s).value.get(), std::move(in));
      case StmtKind::Expr: return effects_in(static_cast<const ExprStmt&>(s).expr.get(), std::move(in), true);
      case StmtKind::Log: return effects_in(static_cast<const LogStmt&>(s).message.get(), std::move(in));
      case StmtKind::If: return if_stmt(static_cast<const IfStmt&>(s), std::move(in));
      case StmtKind::For: {
        const auto& f = static_cast<const ForStmt&>(s);
        in = effects_in(f.iterable.get(), std::move(in));
        return loop(NodeKind::Loop, "for " + f.var.text + " in " + text(f.iterable.get()), "each", "done", f.body, std::move(in));
      }
      case StmtKind::While: {
        const auto& w = static_cast<const WhileStmt&>(s);
        return loop(NodeKind::Loop, "while " + text(w.cond.get()), "true", "false", w.body, std::move(in));
      }
      case StmtKind::Break:
        if (!loops_.empty()) loops_.back().breaks.insert(loops_.back().breaks.end(), in.begin(), in.end());
        return {};
      case StmtKind::Continue:
        if (!loops_.empty()) connect(in, loops_.back().head, EdgeKind::Back);
        return {};
      case StmtKind::Return: {
        const auto& r = static_cast<const ReturnStmt&>(s);
        in = effects_in(r.value.get(), std::move(in));
        connect(step_to(NodeKind::Return, r.value ? "return " + text(r.value.get()) : "return", in), kEnd);
        return {};
      }
      case StmtKind::Fail: {
        const auto& f = static_cast<const FailStmt&>(s);
        in = effects_in(f.message.get(), std::move(in));
        Ports out = step_to(NodeKind::Fail, "fail " + text(f.message.get()), in, true);
        // Inside a try the error edge leads to the handler; outside it ends the workflow.
        if (raisers_.empty()) connect(out, kEnd);
        return {};
      }
      case StmtKind::Try: return try_stmt(static_cast<const TryStmt&>(s), std::move(in));
      case StmtKind::Step: {
        const auto& st = static_cast<const StepStmt&>(s);
        std::string label = "step " + text(st.name.get());
        if (st.retry) label += " " + one_line(file_.slice(st.retry->range));
        if (st.timeout) label += " timeout " + text(st.timeout.get());
        const int saved = cluster_;
        cluster_ = open_cluster(ClusterKind::Step, label);
        Ports out = block(st.body, std::move(in));
        cluster_ = saved;
        return out;
      }
      case StmtKind::Sleep: {
        const auto& sl = static_cast<const SleepStmt&>(s);
        return step_to(NodeKind::Effect, std::string(sl.until ? "sleep until " : "sleep ") + text(sl.value.get()), in);
      }
      case StmtKind::Checkout: {
        const auto& c = static_cast<const CheckoutStmt&>(s);
        std::string label = "checkout " + c.var.text + " = pam " + text(c.identity.get());
        if (c.ttl) label += " ttl " + text(c.ttl.get());
        // Not found, or a required approval refused.
        Ports body = block(c.body, step_to(NodeKind::Effect, std::move(label), in, true));
        return step_to(NodeKind::Effect, "checkin " + c.var.text, body);
      }
      case StmtKind::Parallel: {
        const auto& p = static_cast<const ParallelStmt&>(s);
        const size_t fork = add(NodeKind::Fork, "parallel");
        connect(in, fork);
        Ports joined;
        for (const Branch& b : p.branches) {
          const std::string name = unquoted(b.name.get());
          const int saved = cluster_;
          cluster_ = open_cluster(ClusterKind::Lane, "branch " + text(b.name.get()));
          Ports out = block(b.body, {{fork, name}});
          cluster_ = saved;
          joined.insert(joined.end(), out.begin(), out.end());
        }
        return step_to(NodeKind::Join, "join", joined);
      }
      case StmtKind::ParallelFor: {
        const auto& p = static_cast<const ParallelForStmt&>(s);
        in = effects_in(p.iterable.get(), std::move(in));
        std::string label = "parallel for " + p.var.text + " in " + text(p.iterable.get());
        if (p.limit) label += " limit " + text(p.limit.get());
        const size_t fork = add(NodeKind::Fork, std::move(label));
        connect(in, fork);
        const int saved = cluster_;
        cluster_ = open_cluster(ClusterKind::Lane, "for each " + p.var.text + " in " + text(p.iterable.get()));
        Ports out = block(p.body, {{fork, ""}});
        cluster_ = saved;
        return step_to(NodeKind::Join, "join", out);
      }
      case StmtKind::Notify: {
        const auto& n = static_cast<const NotifyStmt&>(s);
        return step_to(NodeKind::Effect, "notify " + text(n.to.get()) + "\n" + text(n.message.get()), in);
      }
    }
    return in;
  }

  Ports if_stmt(const IfStmt& s, Ports in) {
    in = effects_in(s.cond.get(), std::move(in));
    const size_t d = add(NodeKind::Decision, text(s.cond.get()));
    connect(in, d);
    Ports out = block(s.then_block, {{d, "true"}});
    Ports other;
    if (s.else_if) other = stmt(*s.else_if, {{d, "false"}});
    else if (s.else_block) other = block(*s.else_block, {{d, "false"}});
    else other = {{d, "false"}};
    out.insert(out.end(), other.begin(), other.end());
    return out;
  }

  Ports loop(NodeKind kind, std::string label, const char* enter, const char* leave, const Block& body, Ports in) {
    const size_t head = add(kind, std::move(label));
    connect(in, head);
    loops_.push_back(Loop{head, {}});
    connect(block(body, {{head, enter}}), head, EdgeKind::Back);
    Ports out = {{head, leave}};
    Ports& breaks = loops_.back().breaks;
    out.insert(out.end(), breaks.begin(), breaks.end());
    loops_.pop_back();
    return out;
  }

  Ports try_stmt(const TryStmt& s, Ports in) {
    Raisers raisers;
    const bool handled = s.has_catch || s.finally_block;
    if (handled) raisers_.push_back(&raisers);
    Ports out = block(s.body, std::move(in));
    if (handled) raisers_.pop_back();
    std::optional<size_t> handler;
    if (s.has_catch) {
      const size_t c = add(NodeKind::Catch, s.catch_var.empty() ? "catch" : "catch " + s.catch_var.text);
      handler = c;
      Ports caught = block(s.catch_block, {{c, ""}});
      out.insert(out.end(), caught.begin(), caught.end());
    }
    if (s.finally_block) {
      const size_t f = add(NodeKind::Finally, "finally");
      if (!handler) handler = f;
      connect(out, f);
      out = block(*s.finally_block, {{f, ""}});
      // Without a catch the error goes on after the finally block: to the handler around it.
      if (!s.has_catch && !raisers.empty() && !raisers_.empty())
        for (const Port& p : out) raisers_.back()->push_back(p.from);
    }
    if (handler)
      for (size_t r : raisers) g_.edges.push_back(Edge{r, *handler, "error", EdgeKind::Error});
    return out;
  }

  const SourceFile& file_;
  Graph g_;
  int cluster_ = -1;
  std::vector<Loop> loops_;
  std::vector<Raisers*> raisers_;
};

}  // namespace

Graph build_graph(const Compilation& compilation, const WorkflowDecl& workflow) {
  Builder b(compilation.file(compilation.root().file), workflow);
  return b.build(workflow);
}

}  // namespace wf::graph

// Evaluation of one input (see evaluate.h). A statement input is compiled twice: a first pass
// checks it and tells which variables it binds and their types; the second adds the result
// record those types describe, and is what runs.
#include "repl/evaluate.h"

#include <fmt/color.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <streambuf>
#include <vector>

#include "check/types.h"
#include "driver/compilation.h"
#include "effects/records.h"
#include "local/local_runner.h"
#include "lower/compile.h"
#include "parse/parse.h"
#include "repl/synthetic.h"
#include "simulate/simulator.h"
#include "syntax/ast_walk.h"
#include "vm/program.h"
#include "vm/render.h"
#include "vm/shape.h"

namespace wf::repl {

namespace {

// The local host's timeline without the lines about the synthetic workflow itself (started,
// completed, failed): the REPL reports how an input ended in its own words. Lines of child
// workflows and every effect pass through.
class TimelineFilter : public std::streambuf {
 public:
  explicit TimelineFilter(std::ostream& out) : out_(out) {}
  ~TimelineFilter() override { emit(); }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return 0;
    line_ += static_cast<char>(c);
    if (c == '\n') emit();
    return c;
  }
  int sync() override {
    out_.flush();
    return 0;
  }

 private:
  void emit() {
    if (line_.empty()) return;
    if (line_.find(std::string("workflow ") + kWorkflowName + " ") == std::string::npos) out_ << line_;
    line_.clear();
    out_.flush();
  }
  std::ostream& out_;
  std::string line_;
};

std::string paint_error(const Io& io, std::string_view text) {
  return io.color ? fmt::format(fmt::emphasis::bold | fmt::fg(fmt::terminal_color::bright_red), "{}", text)
                  : std::string(text);
}

void say_error(const Io& io, const std::string& message) { *io.out << paint_error(io, "error") << ": " << message << "\n"; }

// Whether a value of type `t` can be handed from one input to the next as a workflow argument:
// not a credential (its session ends with its `checkout` block), not a secret, and nothing the
// checker left unknown.
bool carriable(const Type* t) {
  if (!t) return false;
  switch (t->kind) {
    case TypeKind::Error:
    case TypeKind::Never:
    case TypeKind::Void:
    case TypeKind::None:
    case TypeKind::TypeVar:
    case TypeKind::Secret:
    case TypeKind::Credential:
      return false;
    case TypeKind::List:
    case TypeKind::Map:
    case TypeKind::Optional:
      return carriable(t->element);
    case TypeKind::Record:
      return std::all_of(t->fields.begin(), t->fields.end(), [](const Field& f) { return carriable(f.type); });
    default:
      return true;
  }
}

// A checked module (no result record yet) and the synthetic workflow in it.
struct Checked {
  Synthetic synthetic;
  std::unique_ptr<Compilation> compilation;
  const WorkflowDecl* workflow = nullptr;
};

// The first pass: only errors are shown, since its warnings (an unused `let`, read only by the
// result record of the second pass) are not final.
std::optional<Checked> check_first(const Session& session, InputAs as, const std::string& input, const Io& io) {
  Checked c;
  c.synthetic = build_synthetic(session, {as, input, {}, std::nullopt});
  c.compilation = std::make_unique<Compilation>();
  c.compilation->check_text(synthetic_path(), c.synthetic.text);
  const MappedDiagnostics mapped =
      map_diagnostics(c.synthetic, session, *c.compilation, c.compilation->diagnostics().all(), Show::Errors);
  if (mapped.errors > 0) {
    *io.out << render(mapped, io.color);
    return std::nullopt;
  }
  for (const auto& d : c.compilation->root().decls)
    if (d->kind == DeclKind::Workflow && d->name.text == kWorkflowName) c.workflow = static_cast<const WorkflowDecl*>(d.get());
  if (!c.workflow) {
    say_error(io, "the input could not be placed in the session's workflow");
    return std::nullopt;
  }
  return c;
}

// The statements the operator typed at the top level of the input (the preamble's are not).
std::vector<const Stmt*> input_statements(const Checked& c) {
  std::vector<const Stmt*> out;
  for (const auto& s : c.workflow->body.stmts)
    if (s->range.begin >= c.synthetic.input_begin) out.push_back(s.get());
  return out;
}

// Compiles the second pass and prints its diagnostics; nullopt when it has errors.
std::optional<bytecode::Module> compile_final(const Session& session, const Synthetic& synthetic, const Io& io) {
  CompileResult compiled = compile_text(synthetic_path(), synthetic.text);
  std::vector<Diagnostic> all = compiled.compilation->diagnostics().all();
  all.insert(all.end(), compiled.lowering.all().begin(), compiled.lowering.all().end());
  const MappedDiagnostics mapped = map_diagnostics(synthetic, session, *compiled.compilation, all, Show::ErrorsAndWarnings);
  *io.out << render(mapped, io.color);
  if (mapped.errors > 0) return std::nullopt;
  if (!compiled.module) {
    say_error(io, compiled.error.empty() ? "the input could not be compiled" : compiled.error);
    return std::nullopt;
  }
  return std::move(compiled.module);
}

struct Outcome {
  vm::Status status = vm::Status::Failed;
  vm::Value value, error;
};

// Runs the synthetic workflow: on the simulation host, whose events are printed, or on the local
// host, whose timeline is.
Outcome run_workflow(const Session& session, std::shared_ptr<const vm::Program> program, uint32_t index,
                     std::vector<vm::Value> args, const Io& io) {
  if (session.simulate()) {
    simulate::Simulator simulator(program, simulate::SimulateOptions{});
    simulate::Report report = simulator.simulate(index, std::move(args));
    // The events only: the report's first line names the synthetic workflow and its last gives
    // the outcome, which is printed below as for a real run.
    const std::string text = simulate::report_text(report);
    const size_t first = text.find('\n');
    const size_t last = text.rfind('\n', text.size() >= 2 ? text.size() - 2 : 0);
    if (first != std::string::npos && last != std::string::npos && last > first) *io.out << text.substr(first + 1, last - first);
    return {report.status, report.result, report.error};
  }
  TimelineFilter filter(*io.out);
  std::ostream timeline(&filter);
  local::LocalOptions options;
  options.approve = local::ApproveMode::Ask;
  options.fast = session.options().fast;
  options.vault = session.options().vault;
  options.timeline = &timeline;
  options.ask = io.ask;
  options.cancel = io.cancel;
  options.countdown = io.countdown;
  if (local::Notifier* notifier = session.options().notifier.get())
    options.notify = [notifier, cancel = io.cancel](local::LocalNotification n) {
      // The session's synthetic workflow is no name of the operator's.
      if (n.workflow == kWorkflowName) n.workflow = "repl";
      return notifier->notify(n, cancel);
    };
  local::LocalRunner runner(std::move(program), std::move(options));
  local::RunOutcome r = runner.run(index, std::move(args));
  return {r.status, std::move(r.value), std::move(r.error)};
}

std::string kind_word(DeclKind k) {
  switch (k) {
    case DeclKind::Import: return "import";
    case DeclKind::Const: return "const";
    case DeclKind::Type: return "type";
    case DeclKind::Fn: return "fn";
    case DeclKind::Library: return "library";
    case DeclKind::Script: return "script";
    case DeclKind::Workflow: return "workflow";
  }
  return "declaration";
}

}  // namespace

std::string value_text(const vm::Value& v) {
  return vm::to_json(v).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void evaluate_declarations(Session& session, const std::string& input, const Io& io) {
  // The names the input declares, from a parse of the input alone: a declaration replaces an
  // earlier one of its name, so the earlier one is left out of the module that checks it.
  const SourceFile source("<input>", input);
  DiagnosticSink parse_sink;
  const std::unique_ptr<Module> parsed = parse_module(source, 0, parse_sink);
  std::vector<std::string> names;
  for (const auto& d : parsed->decls)
    if (!d->name.empty()) names.push_back(d->name.text);

  const Synthetic synthetic = build_synthetic(session, {InputAs::Declarations, input, names, std::nullopt});
  if (!compile_final(session, synthetic, io)) return;

  // Each declaration is kept as its own text, with the comments and annotations before it.
  uint32_t from = 0;
  for (const auto& d : parsed->decls) {
    const uint32_t end = std::max(from, d->range.end);
    std::string text = input.substr(from, end - from);
    from = end;
    const size_t start = text.find_first_not_of(" \t\r\n;");
    text = start == std::string::npos ? std::string() : text.substr(start);
    const std::string kind = kind_word(d->kind);
    if (d->kind == DeclKind::Import) {
      *io.out << "imported \"" << static_cast<const ImportDecl&>(*d).path << "\"\n";
    } else {
      *io.out << (session.declares(d->name.text) ? "redefined " : "defined ") << kind << " " << d->name.text << "\n";
    }
    session.declare({d->name.text, kind, std::move(text), session.current_input()});
  }
}

void evaluate_statements(Session& session, const std::string& input, const Io& io) {
  std::optional<Checked> first = check_first(session, InputAs::Statements, input, io);
  if (!first) return;
  const std::vector<const Stmt*> top = input_statements(*first);

  // The input is the body of a workflow that must end by handing the variables back.
  bool returns = false;
  AstVisitor find_return;
  find_return.on_stmt = [&](Stmt& s) { returns = returns || s.kind == StmtKind::Return; };
  for (const Stmt* s : top) walk(const_cast<Stmt*>(s), find_return);  // walk() only reads
  if (returns) {
    say_error(io, "`return` cannot be used at the prompt: an input is not a function to return from");
    return;
  }

  // One expression statement is shown with its value (an approval statement keeps its meaning:
  // a rejection raises).
  const Expr* expr = nullptr;
  if (top.size() == 1 && top[0]->kind == StmtKind::Expr) {
    const Expr* e = static_cast<const ExprStmt*>(top[0])->expr.get();
    if (e && e->kind != ExprKind::Approve && carriable(e->type)) expr = e;
  }

  // The variables after this input: the session's, with the input's top-level `let` and `var`
  // bindings added or put in place of the ones they shadow.
  std::vector<Variable> next = session.variables();
  std::vector<std::string> bound;
  for (const Stmt* s : top) {
    if (s->kind != StmtKind::Let) continue;
    const auto& let = static_cast<const LetStmt&>(*s);
    const std::string& name = let.name.text;
    if (!let.binding || name.empty()) continue;
    std::erase_if(next, [&](const Variable& v) { return v.name == name; });
    std::erase(bound, name);
    if (!carriable(let.binding->type)) {
      *io.out << fmt::format("note: `{}` is a `{}`, which does not outlive this input\n", name, type_name(let.binding->type));
      continue;
    }
    next.push_back({name, type_name(let.binding->type), let.is_var, vm::Value()});
    bound.push_back(name);
  }
  // Keep the session's order: a rebound variable stays where it was.
  std::vector<Variable> ordered;
  for (const Variable& old : session.variables())
    for (Variable& v : next)
      if (v.name == old.name) ordered.push_back(v);
  for (Variable& v : next)
    if (!session.variable(v.name)) ordered.push_back(v);
  next = std::move(ordered);

  std::vector<ResultField> result;
  for (const Variable& v : next) result.push_back({v.name, v.type});
  if (expr) result.push_back({kValueName, type_name(expr->type)});

  const Synthetic synthetic =
      build_synthetic(session, {expr ? InputAs::Expression : InputAs::Statements, input, {}, result});
  std::optional<bytecode::Module> module = compile_final(session, synthetic, io);
  if (!module) return;
  std::string load_error;
  std::shared_ptr<const vm::Program> program = vm::load_program(std::move(*module), load_error);
  if (!program) {
    say_error(io, load_error);
    return;
  }
  const std::optional<uint32_t> index = bytecode::find_workflow(program->module, kWorkflowName);
  if (!index) {
    say_error(io, "the session's workflow is missing from the compiled module");
    return;
  }
  std::vector<vm::Value> args;
  for (const Variable& v : session.variables()) args.push_back(v.value);

  const Outcome outcome = run_workflow(session, program, *index, std::move(args), io);
  if (outcome.status != vm::Status::Completed) {
    // The session keeps its variables as they were before the input.
    say_error(io, fmt::format("{}: {}", effects::field_string(outcome.error, "kind"),
                              effects::field_string(outcome.error, "message")));
    return;
  }

  // The result record holds every variable (and the expression's value), looked up by name.
  const auto field = [&](const std::string& name) -> vm::Value {
    if (outcome.value.tag != vm::Tag::Record) return vm::Value();
    const vm::RecObj& rec = vm::as_record(outcome.value);
    const int at = rec.shape->index_of(name);
    return at < 0 ? vm::Value() : rec.fields[static_cast<size_t>(at)];
  };
  for (Variable& v : next) v.value = field(v.name);
  session.set_variables(next);
  for (const std::string& name : bound)
    if (const Variable* v = session.variable(name)) *io.out << v->name << ": " << v->type << " = " << value_text(v->value) << "\n";
  if (expr) {
    const std::string type = type_name(expr->type);
    if (expr->kind == ExprKind::Name) *io.out << static_cast<const NameExpr*>(expr)->name.text << ": ";
    *io.out << type << " = " << value_text(field(kValueName)) << "\n";
  }
}

std::optional<std::string> type_of(const Session& session, const std::string& expr, const Io& io) {
  std::optional<Checked> first = check_first(session, InputAs::Expression, expr, io);
  if (!first) return std::nullopt;
  for (const auto& s : first->workflow->body.stmts) {
    if (s->kind != StmtKind::Let) continue;
    const auto& let = static_cast<const LetStmt&>(*s);
    if (let.name.text == kValueName && let.init) return type_name(let.init->type);
  }
  say_error(io, "`:type` takes one expression");
  return std::nullopt;
}

std::optional<bytecode::Module> compile_for_listing(const Session& session, const std::string& expr, const Io& io) {
  const Synthetic synthetic =
      build_synthetic(session, {expr.empty() ? InputAs::None : InputAs::Expression, expr, {}, std::nullopt});
  return compile_final(session, synthetic, io);
}

}  // namespace wf::repl

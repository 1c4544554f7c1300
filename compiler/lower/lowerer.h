// The lowerer's state, shared by its files: lower_module.cpp (tables, declarations, the module
// initializer), lower_stmt.cpp (statements and control flow), lower_expr.cpp (expressions and
// calls) and lower_effect.cpp (effects, parallel branches). Internal to compiler/lower.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "check/scope.h"
#include "check/types.h"
#include "driver/compilation.h"
#include "lower/function_builder.h"
#include "lower/lower.h"

namespace wf {

class Lowerer {
 public:
  Lowerer(const Compilation& c, DiagnosticSink& sink) : c_(c), sink_(sink) {}
  std::optional<bytecode::Module> run();

  // ---- lower_module.cpp: module tables
  int constant(const bytecode::Constant& k);
  int string_constant(const std::string& s);
  int shape(const std::vector<std::string>& names);
  int builtin(size_t overload);
  int builtin_named(std::string_view name, std::string_view signature);
  int function_of(const Decl* d);
  int global_of(const ConstDecl* d);

 private:
  void declare_everything();
  void lower_init();
  void lower_fn(const FnDecl& d, int index);
  void lower_workflow(const WorkflowDecl& d, int index);
  int lower_default(const Param& p, const std::string& owner);
  bytecode::Param lower_param(const Param& p, const std::string& owner, uint32_t file);
  void lower_script(const ScriptDecl& d);
  std::string annotation_json(const Annotation& a);
  void report_limits(const std::string& what, SourceRange where);

  // ---- per-function state; nested functions (branches) save and restore it
  struct LoopContext {
    std::vector<size_t> breaks, continues;
    size_t finally_depth;  // finally blocks open when the loop began
  };
  struct FunctionState {
    std::unique_ptr<FunctionBuilder> fb;
    std::unordered_map<const Binding*, int> regs;
    std::unordered_map<int, const Binding*> bound;  // the local last bound to each register
    std::vector<LoopContext> loops;
    // Code to run on the way out of each open try/checkout, innermost last.
    std::vector<std::function<void()>> finallies;
    const WorkflowDecl* workflow = nullptr;
    int top_step_index = -1;  // the workflow (in m_.workflows) whose top-level steps are recorded
    bytecode::TopStep* top_step = nullptr;  // the one being lowered, until its STEP is emitted
    uint32_t file = 0;
  };
  FunctionState fn_;
  FunctionBuilder& fb() { return *fn_.fb; }
  void begin_function(std::string name, bytecode::FunctionKind kind, uint8_t params, uint32_t file);
  bytecode::Function end_function(SourceRange where);
  void line_of(SourceRange r);

  // ---- lower_stmt.cpp
  void block(const Block& b);
  void stmt(const Stmt& s);
  void if_stmt(const IfStmt& s);
  void for_stmt(const ForStmt& s);
  void while_stmt(const WhileStmt& s);
  void try_stmt(const TryStmt& s);
  void protect(const std::function<void()>& body, const std::function<void()>& fin);
  void step_stmt(const StepStmt& s);
  void record_top_step(const StepStmt& s);
  void jump_out(std::vector<size_t>& patches, size_t finally_depth);
  void run_finallies_down_to(size_t depth);
  int bind_local(const Binding* b, const Ident& name);
  bool append_in_place(const Binding* var, int target, const Expr* value);
  void cond_jump_false(const Expr* cond, std::vector<size_t>& false_jumps);

  // ---- lower_expr.cpp
  // Evaluates `e` into register `dst`.
  void expr_to(const Expr* e, int dst);
  // Evaluates `e` into some register (a local's own register when `e` is that local) and
  // returns it; temporaries come from the top of the frame.
  int expr_any(const Expr* e);
  void string_to(const StringExpr& e, int dst, bool shell_parts);
  void record_to(const RecordExpr& e, const Type* type, int dst);
  void call_to(const CallExpr& e, int dst);
  void binary_to(const BinaryExpr& e, int dst);
  int reg_of(const Binding* b) const;
  void load_int(int dst, int64_t v);
  void load_none(int dst) { fb().emit_abc(bytecode::Op::LOADNONE, dst, 0, 0); }
  void load_string(int dst, const std::string& s);
  // Builds a record of `names` into dst from values produced by `fill(i, reg)`.
  template <class Fill>
  void build_record(const std::vector<std::string>& names, int dst, Fill fill);
  void default_args(const std::vector<Param>& params, size_t given_from, int base);

  // ---- lower_effect.cpp
  void run_to(const RunExpr& e, int dst);
  void approve_to(const ApproveExpr& e, int dst, bool statement);
  void wait_to(const WaitEventExpr& e, int dst);
  void child_to(const CallExpr& e, int dst);
  void sleep_stmt(const SleepStmt& s);
  void checkout_stmt(const CheckoutStmt& s);
  void parallel_stmt(const ParallelStmt& s);
  void parallel_for_stmt(const ParallelForStmt& s);
  void notify_stmt(const NotifyStmt& s);
  void effect(bytecode::EffectKind kind, int dst, int args);
  static std::vector<const Expr*> arg_slots(const std::vector<Arg>& args, const std::vector<Param>& params);
  std::vector<const Binding*> captures(const Block& body, const Binding* except);

  const Compilation& c_;
  DiagnosticSink& sink_;
  bytecode::Module m_;
  bool failed_ = false;
  std::map<std::string, int> constant_index_;
  std::map<std::vector<std::string>, int> shape_index_;
  std::map<size_t, int> builtin_index_;
  std::unordered_map<const Decl*, int> function_index_;
  std::unordered_map<const ConstDecl*, int> global_index_;
  std::unordered_map<const Decl*, uint32_t> decl_file_;
  std::unordered_map<const Decl*, int> script_index_;
};

template <class Fill>
void Lowerer::build_record(const std::vector<std::string>& names, int dst, Fill fill) {
  const int mark = fb().top();
  const int base = fb().alloc_block(static_cast<int>(names.size()));
  for (size_t i = 0; i < names.size(); ++i) fill(i, base + static_cast<int>(i));
  fb().emit_abc(bytecode::Op::NEWREC, dst, base, 0);
  fb().emit_extra(static_cast<uint32_t>(shape(names)));
  fb().release_to(mark);
}

}  // namespace wf

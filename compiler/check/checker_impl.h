// The checker's internal state, shared by its files: checker.cpp (modules and declarations),
// check_types.cpp (type expressions and builtin signatures), check_stmt.cpp (statements, flow
// and scopes), check_expr.cpp (expressions), check_call.cpp (calls) and check_effect.cpp
// (effects). Not part of the compiler's interface.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "check/checker.h"
#include "check/scope.h"
#include "check/types.h"
#include "stdlib/builtins.h"
#include "syntax/ast.h"

namespace wf {

struct ParamSig {
  std::string name;
  const Type* type;
  bool has_default;
};

// A callable's signature: a fn, workflow, script or one builtin overload.
struct Signature {
  std::vector<ParamSig> params;
  const Type* result = nullptr;  // Void when it returns nothing
};

// What kind of body is being checked: decides which statements and effects are allowed.
enum class BodyKind { Fn, Workflow, ModuleLevel };

class Checker {
 public:
  Checker(const CheckInput& input, TypeContext& types, std::deque<Binding>& bindings, DiagnosticSink& sink)
      : in_(input), sink_(sink), types_(types), bindings_(bindings) {}
  void run();

 private:
  // ---- checker.cpp: modules and declarations
  struct ModuleInfo {
    std::unordered_map<std::string, Binding*> values;     // own and imported declarations
    std::unordered_map<std::string, const TypeDecl*> type_decls;
  };
  void declare_module(uint32_t file);
  void import_names(uint32_t file);
  void check_module_bodies(uint32_t file);
  void check_const(const ConstDecl& d);
  void check_fn(FnDecl& d);
  void check_workflow(WorkflowDecl& d);
  void check_script(ScriptDecl& d);
  void check_annotations(Decl& d);
  void declare_params(const std::vector<Param>& params, const Signature& sig);
  void check_params_defaults(std::vector<Param>& params, const Signature& sig);
  const Signature& signature_of(const Decl* d);
  const Type* const_type(const ConstDecl* d);

  // ---- check_types.cpp
  const Type* resolve_type(const TypeExpr* t);
  const Type* resolve_named_type(const NamedTypeExpr& t);
  const Type* alias_type(const TypeDecl* d);
  const Signature& builtin_signature(size_t index);

  // ---- check_stmt.cpp
  void check_body(Block& b, BodyKind kind, const Type* result);
  bool check_block(Block& b, bool new_scope = true);  // returns whether the block always exits
  bool check_stmt(Stmt& s);
  bool check_if(IfStmt& s);
  void push_scope();
  void pop_scope();
  Binding* declare_local(const Ident& name, const Type* type, bool is_mutable, BindingKind kind = BindingKind::Local);
  const Binding* lookup(const std::string& name);
  void narrow(Expr* cond, bool when_true);
  void require_workflow(SourceRange where, const char* what);

  // ---- check_expr.cpp
  const Type* check_expr(Expr* e, const Type* expected = nullptr);
  // Checks `e` where a value of type `expected` is needed; `what` names the place in a mismatch,
  // `use` says what happens to the value in a secret diagnostic.
  const Type* check_expr_as(Expr* e, const Type* expected, const char* what, const char* use = nullptr);
  const Type* check_value(Expr* e, const Type* expected, const char* use);
  void check_condition(Expr* e);
  const Type* check_name(NameExpr& e);
  const Type* check_field(FieldExpr& e);
  const Type* check_index(IndexExpr& e);
  const Type* check_unary(UnaryExpr& e);
  const Type* check_binary(BinaryExpr& e);
  const Type* check_string(StringExpr& e);
  const Type* check_list(ListExpr& e, const Type* expected);
  const Type* check_record(RecordExpr& e, const Type* expected);
  const Type* check_record_as_map(RecordExpr& e, const Type* expected);
  const Type* check_map(MapExpr& e, const Type* expected);
  bool report_optional(Expr* e, const Type* t, const char* what);

  // ---- check_call.cpp
  const Type* check_call(CallExpr& e);
  const Type* check_builtin_call(CallExpr& e, const std::string& name, Expr* receiver);
  const Type* check_decl_call(CallExpr& e, const Binding& b, Expr* receiver);

  // ---- check_effect.cpp
  const Type* check_run(RunExpr& e);
  const Type* check_approve(ApproveExpr& e);
  const Type* check_wait(WaitEventExpr& e);
  void check_retry(RetryPolicy& r);
  void check_sleep(SleepStmt& s);
  bool check_checkout(CheckoutStmt& s);
  void check_parallel(ParallelStmt& s);
  void check_parallel_for(ParallelForStmt& s);
  void check_notify(NotifyStmt& s);
  void check_job_record(Expr* payload, const Type* schema, const std::string& kind);

  // ---- diagnostics
  Diagnostic& error(DiagCode code, SourceRange where, std::string message);
  void mismatch(SourceRange where, const Type* expected, const Type* found, const char* what = nullptr);
  // ---- fixes.cpp: the edits diagnostics suggest
  // The source text of `where` in the module being checked; empty when the text is not at hand.
  std::string_view source_text(SourceRange where) const;
  // Offers "did you mean `c`?" for the name at `where` when a candidate is close to it.
  void suggest_name(Diagnostic& d, SourceRange where, const std::string& name, const std::vector<std::string>& candidates);
  // The names a value may be read by here: locals and parameters in scope, then module-level ones.
  std::vector<std::string> value_names() const;
  // For a use of the optional name `e` in the statement being checked: wrap it in `if x != none`.
  void suggest_none_check(Diagnostic& d, const Expr* e);
  // For an `int` where a `float` is needed: `float(...)` around it.
  void suggest_float(Diagnostic& d, SourceRange where);

  const CheckInput& in_;
  DiagnosticSink& sink_;
  TypeContext& types_;
  uint32_t file_ = 0;  // the module being checked
  // Modules with syntax errors get no unused-variable warnings: their trees have holes, so a
  // use may simply not have been parsed.
  std::vector<bool> has_syntax_errors_;

  std::vector<ModuleInfo> modules_;
  std::deque<Binding>& bindings_;
  std::unordered_map<const Decl*, Binding*> decl_binding_;
  std::unordered_map<const Decl*, uint32_t> decl_file_;
  std::unordered_map<const Decl*, Signature> signatures_;
  std::unordered_map<const TypeDecl*, const Type*> alias_types_;
  std::vector<const TypeDecl*> resolving_aliases_;
  std::unordered_map<const ConstDecl*, const Type*> const_types_;
  std::vector<const ConstDecl*> resolving_consts_;
  std::unordered_map<size_t, Signature> builtin_sigs_;

  // The body being checked.
  struct Scope {
    std::unordered_map<std::string, Binding*> names;
  };
  std::vector<Scope> scopes_;
  BodyKind body_ = BodyKind::ModuleLevel;
  const Type* result_ = nullptr;
  const WorkflowDecl* workflow_ = nullptr;
  int loop_depth_ = 0;
  // Scopes below this index belong outside the innermost parallel branch: a branch runs as its
  // own fiber on copies of them, so it may read but not assign them.
  size_t branch_scope_floor_ = 0;
  // Why a value is being checked, for the secret diagnostic: "interpolated", "logged", ...
  const char* use_ = nullptr;
  // The innermost statement being checked, which a fix may wrap.
  const Stmt* statement_ = nullptr;
};

}  // namespace wf

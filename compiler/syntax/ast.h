// wf's own syntax tree, built by the transformer from the ANTLR parse tree. Every node carries
// the byte range it came from. A file with syntax errors still yields a tree: what could not be
// parsed becomes an ErrorExpr / missing child (nullptr), so the checker and the language server
// can stand on a broken file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "source/source_file.h"

namespace wf {

struct Type;  // check/types.h
struct Binding;  // check/scope.h
struct Decl;

template <class T>
using Own = std::unique_ptr<T>;

// A name as written, with where it was written.
struct Ident {
  std::string text;
  SourceRange range;
  bool empty() const { return text.empty(); }
};

// ---------------------------------------------------------------------------------------------
// Type expressions

enum class TypeExprKind { Named, Record, Optional };

struct TypeExpr {
  TypeExprKind kind;
  SourceRange range;
  explicit TypeExpr(TypeExprKind k) : kind(k) {}
  virtual ~TypeExpr() = default;
};

struct NamedTypeExpr : TypeExpr {
  Ident name;                       // int, list, Service, ...
  std::vector<Own<TypeExpr>> args;  // list<T>, map<T>
  NamedTypeExpr() : TypeExpr(TypeExprKind::Named) {}
};

struct FieldTypeExpr {
  Ident name;
  Own<TypeExpr> type;
};

struct RecordTypeExpr : TypeExpr {
  std::vector<FieldTypeExpr> fields;
  RecordTypeExpr() : TypeExpr(TypeExprKind::Record) {}
};

struct OptionalTypeExpr : TypeExpr {
  Own<TypeExpr> inner;
  OptionalTypeExpr() : TypeExpr(TypeExprKind::Optional) {}
};

// ---------------------------------------------------------------------------------------------
// Expressions

enum class ExprKind {
  Error, Int, Float, Bool, None, String, Duration, Percent, Name, List, Record, Map,
  Field, Index, Call, Unary, Binary, Run, Approve, WaitEvent,
};

struct Expr {
  ExprKind kind;
  SourceRange range;
  const Type* type = nullptr;  // set by the checker
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
};

struct ErrorExpr : Expr { ErrorExpr() : Expr(ExprKind::Error) {} };
struct IntExpr : Expr { int64_t value = 0; IntExpr() : Expr(ExprKind::Int) {} };
struct FloatExpr : Expr { double value = 0; FloatExpr() : Expr(ExprKind::Float) {} };
struct BoolExpr : Expr { bool value = false; BoolExpr() : Expr(ExprKind::Bool) {} };
struct NoneExpr : Expr { NoneExpr() : Expr(ExprKind::None) {} };
struct DurationExpr : Expr { int64_t millis = 0; DurationExpr() : Expr(ExprKind::Duration) {} };
struct PercentExpr : Expr { double value = 0; PercentExpr() : Expr(ExprKind::Percent) {} };

// A string: literal text pieces and `{{ expr }}` interpolations, in order. Escapes are decoded
// and multi-line indentation is stripped by the transformer.
struct StringPart {
  std::string text;      // used when expr is null
  Own<Expr> expr;        // an interpolation
  SourceRange range;
};
struct StringExpr : Expr {
  std::vector<StringPart> parts;
  bool raw = false;
  StringExpr() : Expr(ExprKind::String) {}
  // The literal text when there is no interpolation.
  bool is_plain() const;
  std::string plain_text() const;
};

struct NameExpr : Expr {
  Ident name;
  const Binding* binding = nullptr;  // set by the checker
  NameExpr() : Expr(ExprKind::Name) {}
};

struct ListExpr : Expr {
  std::vector<Own<Expr>> items;
  ListExpr() : Expr(ExprKind::List) {}
};

struct RecordEntry {
  Ident name;
  Own<Expr> value;
};
// `{name: v, ...}`; `{}` is an empty record or map, whichever the context expects.
struct RecordExpr : Expr {
  std::vector<RecordEntry> fields;
  RecordExpr() : Expr(ExprKind::Record) {}
};

struct MapEntry {
  std::string key;
  SourceRange key_range;
  Own<Expr> value;
};
// `{"key": v, ...}`
struct MapExpr : Expr {
  std::vector<MapEntry> entries;
  MapExpr() : Expr(ExprKind::Map) {}
};

struct FieldExpr : Expr {
  Own<Expr> object;
  Ident field;
  FieldExpr() : Expr(ExprKind::Field) {}
};

struct IndexExpr : Expr {
  Own<Expr> object;
  Own<Expr> index;
  IndexExpr() : Expr(ExprKind::Index) {}
};

struct Arg {
  Ident name;  // empty for a positional argument
  Own<Expr> value;
  SourceRange range;
};

// How a call was resolved by the checker; the back end lowers each differently.
enum class CallTarget { Unresolved, Builtin, Function, Workflow, Method };

struct CallExpr : Expr {
  Own<Expr> callee;
  std::vector<Arg> args;
  SourceRange args_range;  // from `(` to `)`
  CallTarget target = CallTarget::Unresolved;
  int overload = -1;           // builtin overload index when target is Builtin
  const void* callee_decl = nullptr;  // the FnDecl/WorkflowDecl when target is Function/Workflow
  CallExpr() : Expr(ExprKind::Call) {}
};

enum class UnaryOp { Neg, Not };
struct UnaryExpr : Expr {
  UnaryOp op;
  Own<Expr> operand;
  UnaryExpr() : Expr(ExprKind::Unary) {}
};

enum class BinaryOp { Add, Sub, Mul, Div, Mod, Eq, Ne, Lt, Le, Gt, Ge, And, Or };
const char* binary_op_text(BinaryOp op);
struct BinaryExpr : Expr {
  BinaryOp op;
  Own<Expr> lhs, rhs;
  SourceRange op_range;
  BinaryExpr() : Expr(ExprKind::Binary) {}
};

// `retry N [every D] [backoff F]`, shared by `run` and `step`.
struct RetryPolicy {
  Own<Expr> count, every, backoff;
  SourceRange range;
};

enum class JobKind { Script, Command, Typed };

// run <job> <clauses>: see SPEC §1.6.
struct RunExpr : Expr {
  JobKind job = JobKind::Command;
  Ident script;                 // JobKind::Script: the script's name
  const Decl* script_decl = nullptr;  // set by the checker
  std::vector<Arg> script_args;
  bool has_script_args = false;
  Ident kind_name;              // JobKind::Typed: service_control, ...
  Own<Expr> payload;            // the command (string or list) or the typed job's record
  Own<Expr> on;
  Own<Expr> timeout;
  std::unique_ptr<RetryPolicy> retry;
  Own<Expr> as;
  Ident priority;
  bool canary = false;
  bool allow_failure = false;
  // Ranges of every clause keyword, so a clause given twice can be reported where it is.
  std::vector<std::pair<std::string, SourceRange>> clauses;
  RunExpr() : Expr(ExprKind::Run) {}
};

struct ApproveExpr : Expr {
  Own<Expr> title;
  Own<Expr> by;
  Ident quorum;
  Own<Expr> timeout;
  std::vector<std::pair<std::string, SourceRange>> clauses;
  ApproveExpr() : Expr(ExprKind::Approve) {}
};

struct WaitEventExpr : Expr {
  Own<Expr> event;
  Own<Expr> timeout;
  WaitEventExpr() : Expr(ExprKind::WaitEvent) {}
};

// ---------------------------------------------------------------------------------------------
// Statements

enum class StmtKind {
  Let, Assign, If, For, While, Break, Continue, Return, Fail, Log, Try, Step, Sleep, Checkout,
  Parallel, ParallelFor, Notify, Expr,
};

struct Stmt {
  StmtKind kind;
  SourceRange range;
  explicit Stmt(StmtKind k) : kind(k) {}
  virtual ~Stmt() = default;
};

struct Block {
  std::vector<Own<Stmt>> stmts;
  SourceRange range;
};

struct LetStmt : Stmt {
  bool is_var = false;
  Ident name;
  Own<TypeExpr> declared;  // optional
  Own<Expr> init;
  const Binding* binding = nullptr;  // set by the checker
  LetStmt() : Stmt(StmtKind::Let) {}
};

struct AssignStmt : Stmt {
  Ident name;
  Own<Expr> value;
  const Binding* binding = nullptr;
  AssignStmt() : Stmt(StmtKind::Assign) {}
};

struct IfStmt : Stmt {
  Own<Expr> cond;
  Block then_block;
  Own<Stmt> else_if;                 // an IfStmt, or
  std::unique_ptr<Block> else_block;  // a plain else
  IfStmt() : Stmt(StmtKind::If) {}
};

struct ForStmt : Stmt {
  Ident var;
  Own<Expr> iterable;
  Block body;
  const Binding* var_binding = nullptr;  // set by the checker
  ForStmt() : Stmt(StmtKind::For) {}
};

struct WhileStmt : Stmt {
  Own<Expr> cond;
  Block body;
  WhileStmt() : Stmt(StmtKind::While) {}
};

struct BreakStmt : Stmt { BreakStmt() : Stmt(StmtKind::Break) {} };
struct ContinueStmt : Stmt { ContinueStmt() : Stmt(StmtKind::Continue) {} };

struct ReturnStmt : Stmt {
  Own<Expr> value;  // optional
  ReturnStmt() : Stmt(StmtKind::Return) {}
};

struct FailStmt : Stmt { Own<Expr> message; FailStmt() : Stmt(StmtKind::Fail) {} };
struct LogStmt : Stmt { Own<Expr> message; LogStmt() : Stmt(StmtKind::Log) {} };

struct TryStmt : Stmt {
  Block body;
  bool has_catch = false;
  Ident catch_var;  // may be empty: `catch { }`
  const Binding* catch_binding = nullptr;  // set by the checker
  Block catch_block;
  std::unique_ptr<Block> finally_block;
  TryStmt() : Stmt(StmtKind::Try) {}
};

struct StepStmt : Stmt {
  Own<Expr> name;
  std::unique_ptr<RetryPolicy> retry;
  Own<Expr> timeout;
  Block body;
  StepStmt() : Stmt(StmtKind::Step) {}
};

struct SleepStmt : Stmt {
  bool until = false;
  Own<Expr> value;  // a duration, or a time with `until`
  SleepStmt() : Stmt(StmtKind::Sleep) {}
};

struct CheckoutStmt : Stmt {
  Ident var;
  const Binding* var_binding = nullptr;  // set by the checker
  Own<Expr> identity;
  Own<Expr> reason;
  Own<Expr> ttl;
  Block body;
  CheckoutStmt() : Stmt(StmtKind::Checkout) {}
};

struct Branch {
  Own<Expr> name;
  Block body;
  SourceRange range;
};
struct ParallelStmt : Stmt {
  std::vector<Branch> branches;
  ParallelStmt() : Stmt(StmtKind::Parallel) {}
};

struct ParallelForStmt : Stmt {
  Ident var;
  const Binding* var_binding = nullptr;  // set by the checker
  Own<Expr> iterable;
  Own<Expr> limit;  // optional
  Block body;
  ParallelForStmt() : Stmt(StmtKind::ParallelFor) {}
};

struct NotifyStmt : Stmt {
  Own<Expr> message;
  Own<Expr> to;
  NotifyStmt() : Stmt(StmtKind::Notify) {}
};

struct ExprStmt : Stmt {
  Own<Expr> expr;
  ExprStmt() : Stmt(StmtKind::Expr) {}
};

// ---------------------------------------------------------------------------------------------
// Declarations

enum class DeclKind { Import, Const, Type, Fn, Library, Script, Workflow };

struct AnnotationArg {
  Ident name;  // empty when positional
  Own<Expr> value;
};
struct Annotation {
  Ident name;
  std::vector<AnnotationArg> args;
  bool has_parens = false;
  SourceRange range;
};

struct Decl {
  DeclKind kind;
  SourceRange range;
  Ident name;                         // empty for imports
  std::string docs;                   // joined `///` lines, without the slashes
  std::vector<Annotation> annotations;
  explicit Decl(DeclKind k) : kind(k) {}
  virtual ~Decl() = default;
};

struct ImportDecl : Decl {
  std::string path;
  SourceRange path_range;
  ImportDecl() : Decl(DeclKind::Import) {}
};

struct ConstDecl : Decl {
  Own<TypeExpr> declared;
  Own<Expr> value;
  ConstDecl() : Decl(DeclKind::Const) {}
};

struct TypeDecl : Decl {
  Own<TypeExpr> aliased;
  TypeDecl() : Decl(DeclKind::Type) {}
};

struct Param {
  Ident name;
  Own<TypeExpr> type;
  Own<Expr> default_value;
  SourceRange range;
};

struct FnDecl : Decl {
  std::vector<Param> params;
  Own<TypeExpr> result;  // null: returns nothing
  Block body;
  FnDecl() : Decl(DeclKind::Fn) {}
};

struct Setting {
  Ident key;
  Own<Expr> value;
  SourceRange range;
};

// `library` and `script` share the settings form; a library has no parameters.
struct ScriptDecl : Decl {
  bool has_params = false;
  std::vector<Param> params;
  std::vector<Setting> settings;
  explicit ScriptDecl(DeclKind k) : Decl(k) {}
};

struct WorkflowDecl : Decl {
  std::vector<Param> params;
  Own<TypeExpr> result;
  Block body;
  WorkflowDecl() : Decl(DeclKind::Workflow) {}
};

struct Module {
  uint32_t file = 0;  // index in the Compilation's file table
  std::vector<Own<Decl>> decls;
};

}  // namespace wf

// wf's types (SPEC §1.3). Types are interned by a TypeContext, so two types are equal exactly
// when their pointers are. Records are structural; `host`, `Results`, `JobResult`, `Approval`
// and `Error` are records that carry a display name.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wf {

enum class TypeKind {
  Error,       // an earlier mistake; accepted everywhere so one mistake gives one diagnostic
  Never,       // the element of `[]` and the value of `{}`, refined by context
  Void,        // what a call of a function without a result gives
  None,        // the type of the literal `none`
  Int, Float, Bool, String, Duration, Time, Json,
  Credential, Secret, Approver, Channel,
  List, Map, Record, Optional,
  TypeVar,     // `T` in a builtin signature
};

struct Field {
  std::string name;
  const struct Type* type;
};

struct Type {
  TypeKind kind;
  const Type* element = nullptr;  // List, Map, Optional
  std::vector<Field> fields;      // Record, in declaration order
  std::string name;               // display name of a named record; the letter of a TypeVar

  const Field* field(std::string_view n) const;
  bool is_error() const { return kind == TypeKind::Error; }
  bool is_numeric() const { return kind == TypeKind::Int || kind == TypeKind::Float; }
};

class TypeContext {
 public:
  TypeContext();

  const Type* error() const { return error_; }
  const Type* never() const { return never_; }
  const Type* void_type() const { return void_; }
  const Type* none() const { return none_; }
  const Type* int_type() const { return int_; }
  const Type* float_type() const { return float_; }
  const Type* bool_type() const { return bool_; }
  const Type* string_type() const { return string_; }
  const Type* duration() const { return duration_; }
  const Type* time() const { return time_; }
  const Type* json() const { return json_; }
  const Type* credential() const { return credential_; }
  const Type* secret() const { return secret_; }
  const Type* approver() const { return approver_; }
  const Type* channel() const { return channel_; }
  const Type* host() const { return host_; }
  const Type* hosts() const { return hosts_; }
  const Type* results() const { return results_; }
  const Type* job_result() const { return job_result_; }
  const Type* approval() const { return approval_; }
  const Type* error_record() const { return error_record_; }

  const Type* list(const Type* element);
  const Type* map(const Type* element);
  const Type* optional(const Type* inner);  // optional(optional(T)) is optional(T)
  const Type* record(std::vector<Field> fields, std::string name = {});
  const Type* type_var(std::string_view letter);

  // Reads one type written in wf syntax from the front of `text` (as the stdlib tables write
  // them: `list<string>`, `{a: int}`, `T?`, plus `any` and single-letter type variables).
  const Type* parse_type_prefix(std::string_view& text);
  // Reads a builtin signature, `(name: type, ...) -> type`: the parameters into `params`, and
  // returns the result type (`Void` when there is no `->`).
  const Type* parse_signature(std::string_view text, std::vector<std::pair<std::string, const Type*>>& params);

  // The built-in type a plain name denotes (`int`, `hosts`, `Results`, ...), or null.
  const Type* builtin_named(std::string_view name) const;
  // The record type of a typed job kind (`service_control`, ...); fields of optional type may be
  // left out of a literal. Null for an unknown kind.
  const Type* job_kind(std::string_view kind) const;
  // The typed job kinds' names, from the same table job_kind() reads.
  std::vector<std::string_view> job_kind_names() const;

 private:
  const Type* intern(Type t);
  const Type* make(TypeKind k);

  std::deque<Type> storage_;
  std::map<std::string, const Type*> interned_;
  std::map<std::string, const Type*, std::less<>> named_;
  std::map<std::string, const Type*, std::less<>> job_kinds_;
  const Type *error_, *never_, *void_, *none_, *int_, *float_, *bool_, *string_, *duration_, *time_, *json_;
  const Type *credential_, *secret_, *approver_, *channel_, *host_, *hosts_, *results_, *job_result_;
  const Type *approval_, *error_record_;
};

// How a type is written: `list<int>`, `{a: int}`, `string?`, `Results`.
std::string type_name(const Type* t);

// Whether a value of type `from` may be used where `to` is expected (no implicit conversions:
// only Error/Never/None rules, optional widening and structural records).
bool assignable(const Type* from, const Type* to);

// Whether `t` contains `secret` anywhere (a list of records with a secret field, ...).
bool contains_secret(const Type* t);
// Whether `t` contains Never (an empty literal whose element type nothing fixed).
bool contains_never(const Type* t);

}  // namespace wf

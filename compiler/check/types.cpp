// Type interning, the built-in named types, naming and assignability (see types.h).
#include "check/types.h"

#include "stdlib/builtin_records.h"

#include <algorithm>

namespace wf {

const Field* Type::field(std::string_view n) const {
  for (const Field& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

namespace {
// Records are structural and their field order does not matter to the type: `{a: int, b: int}`
// and `{b: int, a: int}` are one type, whose fields keep the order in which it was first written.
// So the key lists fields sorted by name, and every record value of one type has one layout.
// The display name of a built-in record (`host`, `Results`) is not part of its identity either: a
// literal with the same fields is the same type.
std::string key_of(const Type& t) {
  std::string k = std::to_string(static_cast<int>(t.kind)) + ":" + (t.kind == TypeKind::Record ? "" : t.name) + ":";
  if (t.element) k += std::to_string(reinterpret_cast<uintptr_t>(t.element));
  std::vector<const Field*> fields;
  for (const Field& f : t.fields) fields.push_back(&f);
  std::sort(fields.begin(), fields.end(), [](const Field* a, const Field* b) { return a->name < b->name; });
  for (const Field* f : fields) k += "," + f->name + "=" + std::to_string(reinterpret_cast<uintptr_t>(f->type));
  return k;
}
}  // namespace

const Type* TypeContext::intern(Type t) {
  std::string key = key_of(t);
  auto it = interned_.find(key);
  if (it != interned_.end()) return it->second;
  storage_.push_back(std::move(t));
  interned_.emplace(std::move(key), &storage_.back());
  return &storage_.back();
}

const Type* TypeContext::make(TypeKind k) { return intern(Type{k, nullptr, {}, {}}); }

const Type* TypeContext::list(const Type* e) { return intern(Type{TypeKind::List, e, {}, {}}); }
const Type* TypeContext::map(const Type* e) { return intern(Type{TypeKind::Map, e, {}, {}}); }
const Type* TypeContext::optional(const Type* inner) {
  if (inner->kind == TypeKind::Optional || inner->kind == TypeKind::Error || inner->kind == TypeKind::None) return inner;
  return intern(Type{TypeKind::Optional, inner, {}, {}});
}
const Type* TypeContext::record(std::vector<Field> fields, std::string name) {
  return intern(Type{TypeKind::Record, nullptr, std::move(fields), std::move(name)});
}
const Type* TypeContext::type_var(std::string_view letter) {
  return intern(Type{TypeKind::TypeVar, nullptr, {}, std::string(letter)});
}

TypeContext::TypeContext() {
  error_ = make(TypeKind::Error);
  never_ = make(TypeKind::Never);
  void_ = make(TypeKind::Void);
  none_ = make(TypeKind::None);
  int_ = make(TypeKind::Int);
  float_ = make(TypeKind::Float);
  bool_ = make(TypeKind::Bool);
  string_ = make(TypeKind::String);
  duration_ = make(TypeKind::Duration);
  time_ = make(TypeKind::Time);
  json_ = make(TypeKind::Json);
  credential_ = make(TypeKind::Credential);
  secret_ = make(TypeKind::Secret);
  approver_ = make(TypeKind::Approver);
  channel_ = make(TypeKind::Channel);
  // host, JobResult, Results, Approval and Error come from the stdlib's record table, in its
  // layout order; they reference each other, so each is declared before it is used.
  named_ = {{"int", int_}, {"float", float_}, {"bool", bool_}, {"string", string_}, {"duration", duration_},
            {"time", time_}, {"json", json_}, {"credential", credential_}, {"secret", secret_},
            {"Approver", approver_}, {"Channel", channel_}};
  for (const stdlib::BuiltinRecord& r : stdlib::builtin_records()) {
    if (r.name == "credential") continue;  // an opaque kind; its fields are read from the table
    std::vector<Field> fields;
    for (const stdlib::RecordField& f : r.fields) {
      std::string_view text = f.type;
      fields.push_back({std::string(f.name), parse_type_prefix(text)});
    }
    named_[std::string(r.name)] = record(std::move(fields), std::string(r.name));
  }
  host_ = named_["host"];
  hosts_ = list(host_);
  named_["hosts"] = hosts_;
  job_result_ = named_["JobResult"];
  results_ = named_["Results"];
  approval_ = named_["Approval"];
  error_record_ = named_["Error"];

  // The typed job kinds of SPEC §1.6; optional fields may be left out.
  const Type* strings = list(string_);
  const Type* opt_string = optional(string_);
  job_kinds_ = {
      {"service_control", record({{"service", string_}, {"action", string_}})},
      {"process_control", record({{"name", string_}, {"action", string_}})},
      {"network_diagnostic", record({{"tool", string_}, {"target", string_}, {"port", optional(int_)},
                                     {"count", optional(int_)}})},
      {"software_install", record({{"package", string_}, {"version", opt_string}})},
      {"user_control", record({{"user", string_}, {"action", string_}, {"groups", optional(strings)}})},
      {"group_control", record({{"group", string_}, {"action", string_}, {"user", opt_string}})},
  };
}

namespace {
void skip_spaces(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
}
std::string_view take_word(std::string_view& s) {
  skip_spaces(s);
  size_t n = 0;
  while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '_')) ++n;
  auto w = s.substr(0, n);
  s.remove_prefix(n);
  return w;
}
bool eat(std::string_view& s, char c) {
  skip_spaces(s);
  if (!s.empty() && s.front() == c) {
    s.remove_prefix(1);
    return true;
  }
  return false;
}
}  // namespace

const Type* TypeContext::parse_type_prefix(std::string_view& s) {
  const Type* t = nullptr;
  if (eat(s, '{')) {
    std::vector<Field> fields;
    while (!eat(s, '}')) {
      std::string name(take_word(s));
      eat(s, ':');
      fields.push_back({name, parse_type_prefix(s)});
      eat(s, ',');
    }
    t = record(std::move(fields));
  } else {
    const std::string_view word = take_word(s);
    if (word == "list" || word == "map") {
      eat(s, '<');
      const Type* e = parse_type_prefix(s);
      eat(s, '>');
      t = word == "list" ? list(e) : map(e);
    } else if (word == "any") {
      t = type_var("any");
    } else if (word.size() == 1 && std::isupper(static_cast<unsigned char>(word[0]))) {
      t = type_var(word);
    } else {
      t = builtin_named(word);
      if (!t) t = error();  // the stdlib table's own test keeps this from happening
    }
  }
  if (eat(s, '?')) t = optional(t);
  return t;
}


const Type* TypeContext::parse_signature(std::string_view s, std::vector<std::pair<std::string, const Type*>>& params) {
  eat(s, '(');
  while (!eat(s, ')')) {
    std::string name(take_word(s));
    eat(s, ':');
    params.emplace_back(std::move(name), parse_type_prefix(s));
    if (!eat(s, ',')) {
      eat(s, ')');
      break;
    }
  }
  skip_spaces(s);
  if (s.substr(0, 2) != "->") return void_type();
  s.remove_prefix(2);
  return parse_type_prefix(s);
}

const Type* TypeContext::builtin_named(std::string_view name) const {
  auto it = named_.find(name);
  return it == named_.end() ? nullptr : it->second;
}

const Type* TypeContext::job_kind(std::string_view kind) const {
  auto it = job_kinds_.find(kind);
  return it == job_kinds_.end() ? nullptr : it->second;
}

std::vector<std::string_view> TypeContext::job_kind_names() const {
  std::vector<std::string_view> names;
  for (const auto& [name, type] : job_kinds_) names.push_back(name);
  return names;
}

std::string type_name(const Type* t) {
  if (!t) return "?";
  switch (t->kind) {
    case TypeKind::Error: return "<error>";
    case TypeKind::Never: return "<unknown>";
    case TypeKind::Void: return "nothing";
    case TypeKind::None: return "none";
    case TypeKind::Int: return "int";
    case TypeKind::Float: return "float";
    case TypeKind::Bool: return "bool";
    case TypeKind::String: return "string";
    case TypeKind::Duration: return "duration";
    case TypeKind::Time: return "time";
    case TypeKind::Json: return "json";
    case TypeKind::Credential: return "credential";
    case TypeKind::Secret: return "secret";
    case TypeKind::Approver: return "Approver";
    case TypeKind::Channel: return "Channel";
    case TypeKind::TypeVar: return t->name;
    case TypeKind::List:
      if (t->element->kind == TypeKind::Record && t->element->name == "host") return "hosts";
      return "list<" + type_name(t->element) + ">";
    case TypeKind::Map: return "map<" + type_name(t->element) + ">";
    case TypeKind::Optional: return type_name(t->element) + "?";
    case TypeKind::Record: {
      if (!t->name.empty()) return t->name;
      std::string out = "{";
      for (size_t i = 0; i < t->fields.size(); ++i) {
        if (i) out += ", ";
        out += t->fields[i].name + ": " + type_name(t->fields[i].type);
      }
      return out + "}";
    }
  }
  return "?";
}

bool assignable(const Type* from, const Type* to) {
  if (from == to) return true;
  if (from->kind == TypeKind::Error || to->kind == TypeKind::Error || from->kind == TypeKind::Never) return true;
  switch (to->kind) {
    case TypeKind::Optional:
      if (from->kind == TypeKind::None) return true;
      if (from->kind == TypeKind::Optional) return assignable(from->element, to->element);
      return assignable(from, to->element);
    case TypeKind::List:
    case TypeKind::Map:
      return from->kind == to->kind && assignable(from->element, to->element);
    case TypeKind::Record: {
      if (from->kind != TypeKind::Record || from->fields.size() != to->fields.size()) return false;
      for (const Field& f : to->fields) {
        const Field* g = from->field(f.name);
        if (!g || !assignable(g->type, f.type)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

bool contains_secret(const Type* t) {
  if (!t) return false;
  if (t->kind == TypeKind::Secret) return true;
  if (t->element && contains_secret(t->element)) return true;
  for (const Field& f : t->fields)
    if (contains_secret(f.type)) return true;
  return false;
}

bool contains_never(const Type* t) {
  if (!t) return false;
  if (t->kind == TypeKind::Never) return true;
  if (t->element && contains_never(t->element)) return true;
  for (const Field& f : t->fields)
    if (contains_never(f.type)) return true;
  return false;
}

}  // namespace wf

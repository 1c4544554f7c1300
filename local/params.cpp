// Binding a workflow's parameters from text (see params.h).
#include "local/params.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "effects/records.h"
#include "local/local_runner.h"
#include "syntax/literals.h"
#include "vm/render.h"
#include "vm/shape.h"

namespace wf::local {

namespace {

std::string trim_optional(std::string type) {
  while (!type.empty() && (type.back() == '?' || type.back() == ' ')) type.pop_back();
  return type;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits `a, list<b>, {c: d, e: f}` at its top-level commas.
std::vector<std::string_view> split_top_level(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' || s[i] == '{' || s[i] == '(') ++depth;
    else if (s[i] == '>' || s[i] == '}' || s[i] == ')') --depth;
    else if (s[i] == ',' && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (!trim(s.substr(start)).empty()) out.push_back(trim(s.substr(start)));
  return out;
}

// A JSON value as a value of the type written `type` (as the parameter declares it), checked all
// the way down: a list<string> given [1, 2] is refused, not bound to strings that are ints.
std::optional<vm::Value> value_of_type(std::string_view type, const nlohmann::ordered_json& j, const std::string& where,
                                       std::string& error) {
  type = trim(type);
  auto fail = [&](std::string_view expected) -> std::optional<vm::Value> {
    error = fmt::format("{}expected {} but got {}", where.empty() ? "" : where + ": ", expected, j.dump());
    return std::nullopt;
  };
  if (!type.empty() && type.back() == '?') {
    if (j.is_null()) return vm::Value();
    return value_of_type(type.substr(0, type.size() - 1), j, where, error);
  }
  if (type == "json") return vm::from_json(j);
  if (type == "string") return j.is_string() ? std::optional(vm::make_string(j.get<std::string>())) : fail("a string");
  if (type == "int") return j.is_number_integer() ? std::optional(vm::Value::integer(j.get<int64_t>())) : fail("an int");
  if (type == "float") return j.is_number() ? std::optional(vm::Value::real(j.get<double>())) : fail("a float");
  if (type == "bool") return j.is_boolean() ? std::optional(vm::Value::boolean(j.get<bool>())) : fail("true or false");
  if (type == "duration") {
    if (j.is_string())
      if (auto ms = decode_duration(j.get<std::string>())) return vm::Value::duration(*ms);
    return fail("a duration like \"30s\"");
  }
  if (type.starts_with("list<") && type.ends_with(">")) {
    if (!j.is_array()) return fail("a list");
    std::vector<vm::Value> items;
    for (size_t i = 0; i < j.size(); ++i) {
      auto v = value_of_type(type.substr(5, type.size() - 6), j[i], fmt::format("{}[{}]", where, i), error);
      if (!v) return std::nullopt;
      items.push_back(std::move(*v));
    }
    return vm::make_list(std::move(items));
  }
  if (type.starts_with("map<") && type.ends_with(">")) {
    if (!j.is_object()) return fail("a map (a JSON object)");
    std::vector<std::pair<std::string, vm::Value>> entries;
    for (auto it = j.begin(); it != j.end(); ++it) {
      auto v = value_of_type(type.substr(4, type.size() - 5), it.value(), fmt::format("{}.{}", where, it.key()), error);
      if (!v) return std::nullopt;
      entries.emplace_back(it.key(), std::move(*v));
    }
    return vm::make_map(std::move(entries));
  }
  if (type.starts_with("{") && type.ends_with("}")) {
    if (!j.is_object()) return fail("a record (a JSON object)");
    std::vector<std::string> names;
    std::vector<vm::Value> fields;
    for (std::string_view f : split_top_level(type.substr(1, type.size() - 2))) {
      const size_t colon = f.find(':');
      if (colon == std::string_view::npos) return fail("a record");
      const std::string name(trim(f.substr(0, colon)));
      const std::string_view field_type = trim(f.substr(colon + 1));
      auto it = j.find(name);
      if (it == j.end() && !field_type.ends_with("?")) {
        error = fmt::format("{}missing field `{}`", where.empty() ? "" : where + ": ", name);
        return std::nullopt;
      }
      auto v = value_of_type(field_type, it == j.end() ? nlohmann::ordered_json() : *it, where + "." + name, error);
      if (!v) return std::nullopt;
      names.push_back(name);
      fields.push_back(std::move(*v));
    }
    for (auto it = j.begin(); it != j.end(); ++it)
      if (std::find(names.begin(), names.end(), it.key()) == names.end()) {
        error = fmt::format("{}unknown field `{}`", where.empty() ? "" : where + ": ", it.key());
        return std::nullopt;
      }
    return vm::make_record(vm::Shape::intern(std::move(names)), std::move(fields));
  }
  error = fmt::format("a parameter of type `{}` cannot be given from outside (use a list, map, record or json type)", type);
  return std::nullopt;
}

}  // namespace

std::optional<vm::Value> convert_param(const std::string& type_text, const std::string& text, std::string& error) {
  const std::string type = trim_optional(type_text);
  try {
    if (type == "string") return vm::make_string(text);
    if (type == "int") {
      size_t used = 0;
      const long long v = std::stoll(text, &used);
      if (used != text.size()) throw std::invalid_argument("trailing text");
      return vm::Value::integer(v);
    }
    if (type == "float") {
      size_t used = 0;
      const double v = std::stod(text, &used);
      if (used != text.size()) throw std::invalid_argument("trailing text");
      return vm::Value::real(v);
    }
    if (type == "bool") {
      if (text == "true") return vm::Value::boolean(true);
      if (text == "false") return vm::Value::boolean(false);
      throw std::invalid_argument("not true or false");
    }
    if (type == "duration") {
      if (auto ms = decode_duration(text)) return vm::Value::duration(*ms);
      throw std::invalid_argument("not a duration like 30s or 1h30m");
    }
  } catch (const std::exception& e) {
    error = fmt::format("expected {} but got \"{}\" ({})", type, text, e.what());
    return std::nullopt;
  }
  auto j = nlohmann::ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    error = fmt::format("expected {} as JSON, got \"{}\"", type, text);
    return std::nullopt;
  }
  return value_of_type(type_text, j, "", error);
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<std::string> unknown_parameter(const bytecode::Workflow& w, const std::map<std::string, std::string>& given) {
  for (const auto& [name, value] : given) {
    bool known = false;
    for (const auto& p : w.params) known |= p.name == name;
    if (!known) return fmt::format("workflow `{}` has no parameter `{}`", w.name, name);
  }
  return std::nullopt;
}

std::optional<BindError> bind_arguments(const std::shared_ptr<const vm::Program>& program, const bytecode::Workflow& w,
                                        const std::map<std::string, std::string>& given, const std::string& hosts,
                                        vm::Host& host, std::vector<vm::Value>& args,
                                        const std::function<vm::Value(const std::string&)>& host_record) {
  using Kind = BindError::Kind;
  args.clear();
  for (const auto& p : w.params) {
    const std::string type = trim_optional(p.type);
    const auto it = given.find(p.name);
    if (type == "hosts" || type == "list<host>") {
      std::vector<vm::Value> bound;
      for (const std::string& h : split_commas(it != given.end() ? it->second : hosts)) bound.push_back(host_record ? host_record(h) : local_host_record(h));
      if (bound.empty() && p.default_fn < 0) return BindError{Kind::Usage, fmt::format("`{}` needs hosts: pass --hosts a,b", p.name)};
      args.push_back(vm::make_list(std::move(bound)));
      continue;
    }
    if (it != given.end()) {
      std::string error;
      auto v = convert_param(p.type, it->second, error);
      if (!v) return BindError{Kind::Usage, fmt::format("--param {}: {}", p.name, error)};
      args.push_back(std::move(*v));
      continue;
    }
    if (p.default_fn < 0) {
      if (p.type.ends_with("?")) {
        args.emplace_back();
        continue;
      }
      return BindError{Kind::Usage, fmt::format("missing --param {}={}", p.name, p.type)};
    }
    // The default is computed by its own small function of the module.
    vm::Machine defaults(program, host);
    defaults.start(static_cast<uint32_t>(p.default_fn), {});
    if (defaults.run(100'000'000) != vm::Status::Completed)
      return BindError{Kind::Failed,
                       fmt::format("the default of `{}` failed: {}", p.name, effects::field_string(defaults.error(), "message"))};
    args.push_back(defaults.result());
  }
  return std::nullopt;
}

}  // namespace wf::local

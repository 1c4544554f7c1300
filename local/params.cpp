// Binding a workflow's parameters from text (see params.h).
#include "local/params.h"

#include <charconv>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

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
  const auto refuse = [&](std::string_view why) -> std::optional<vm::Value> {
    error = fmt::format("expected {} but got \"{}\" ({})", type, text, why);
    return std::nullopt;
  };
  // A leading `+` is allowed, as people write it; from_chars takes only `-`. One sign, not two.
  const bool plus = text.starts_with('+') && !std::string_view(text).substr(1).starts_with('-');
  const std::string_view digits = plus ? std::string_view(text).substr(1) : std::string_view(text);
  if (type == "string") return vm::make_string(text);
  if (type == "int") {
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc::result_out_of_range) return refuse("out of range");
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return refuse("not a whole number");
    return vm::Value::integer(v);
  }
  if (type == "float") {
    double v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc::result_out_of_range) return refuse("out of range");
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return refuse("not a number");
    return vm::Value::real(v);
  }
  if (type == "bool") {
    if (text == "true") return vm::Value::boolean(true);
    if (text == "false") return vm::Value::boolean(false);
    return refuse("not true or false");
  }
  if (type == "duration") {
    if (auto ms = decode_duration(text)) return vm::Value::duration(*ms);
    return refuse("not a duration like 30s or 1h30m");
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

bool is_hosts_type(const std::string& type) {
  const std::string t = trim_optional(type);
  return t == "hosts" || t == "list<host>";
}

namespace {

// A `hosts` parameter's names as `--param` gives them: a JSON list of strings, or names separated
// by commas (spaces around them ignored).
std::vector<std::string> host_names_of(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_array() && std::all_of(j.begin(), j.end(), [](const nlohmann::json& e) { return e.is_string(); }))
    return j.get<std::vector<std::string>>();
  std::vector<std::string> out;
  for (const std::string& part : split_commas(text))
    if (std::string_view name = trim(part); !name.empty()) out.emplace_back(name);
  return out;
}

// How to give each of `names` its hosts, in the caller's syntax.
std::string name_each(const std::vector<std::string>& names, HostTargets::Syntax syntax) {
  std::vector<std::string> parts;
  if (syntax == HostTargets::Syntax::Cli) {
    for (const std::string& n : names) parts.push_back(fmt::format("--param {}=a,b", n));
    return fmt::format("{}", fmt::join(parts, " "));
  }
  for (const std::string& n : names) parts.push_back(fmt::format("\"{}\": [...]", n));
  return fmt::format("{{\"hosts\": {{{}}}}}", fmt::join(parts, ", "));
}

}  // namespace

std::variant<std::map<std::string, std::vector<std::string>>, BindError> hosts_by_parameter(
    const bytecode::Workflow& w, const std::map<std::string, std::string>& given, const HostTargets& targets) {
  using Kind = BindError::Kind;
  const bool cli = targets.syntax == HostTargets::Syntax::Cli;
  std::vector<std::string> hosts_params;
  for (const auto& p : w.params)
    if (is_hosts_type(p.type)) hosts_params.push_back(p.name);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [name, text] : given)
    if (std::find(hosts_params.begin(), hosts_params.end(), name) != hosts_params.end()) out[name] = host_names_of(text);
  for (const auto& [name, names] : targets.named) {
    if (std::find(hosts_params.begin(), hosts_params.end(), name) == hosts_params.end())
      return BindError{Kind::Usage, fmt::format("`hosts`: `{}` is not a `hosts` parameter of workflow `{}`{}", name, w.name,
                                                hosts_params.empty() ? ""
                                                                     : fmt::format(" (its `hosts` parameters: {})",
                                                                                   fmt::join(hosts_params, ", ")))};
    if (out.count(name)) return BindError{Kind::Usage, fmt::format("`{}` is given its hosts twice: in `params` and in `hosts`", name)};
    out[name] = names;
  }
  if (targets.unnamed.empty()) return out;
  const char* option = cli ? "--hosts" : "`hosts` as a list";
  if (hosts_params.empty())
    return BindError{Kind::Usage, fmt::format("{}: workflow `{}` has no `hosts` parameter", option, w.name)};
  if (hosts_params.size() > 1)
    return BindError{Kind::Usage,
                     fmt::format("{} is ambiguous: workflow `{}` has {} `hosts` parameters ({}); give each its hosts: {}", option,
                                 w.name, hosts_params.size(), fmt::join(hosts_params, ", "), name_each(hosts_params, targets.syntax))};
  const std::string& only = hosts_params.front();
  if (out.count(only))
    return BindError{Kind::Usage, fmt::format("`{}` is given its hosts twice: by {} and by name", only, cli ? "--hosts" : "`hosts`")};
  for (const std::string& n : targets.unnamed)
    if (std::string_view name = trim(n); !name.empty()) out[only].emplace_back(name);
  return out;
}

std::optional<BindError> bind_arguments(const std::shared_ptr<const vm::Program>& program, const bytecode::Workflow& w,
                                        const std::map<std::string, std::string>& given, const HostTargets& targets,
                                        vm::Host& host, std::vector<vm::Value>& args, const HostDirectory& directory) {
  using Kind = BindError::Kind;
  args.clear();
  auto decided = hosts_by_parameter(w, given, targets);
  if (auto* error = std::get_if<BindError>(&decided)) return *error;
  const auto& hosts = std::get<std::map<std::string, std::vector<std::string>>>(decided);
  for (const auto& p : w.params) {
    const auto it = given.find(p.name);
    const auto named = hosts.find(p.name);
    if (is_hosts_type(p.type) && (named != hosts.end() || p.default_fn < 0)) {
      // Each host once, in the order named, whether named alone or by a group.
      std::vector<std::string> names;
      auto add = [&](const std::string& n) {
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
      };
      for (const std::string& n : named != hosts.end() ? named->second : std::vector<std::string>{}) {
        if (!n.starts_with("@")) {
          add(n);
          continue;
        }
        if (!directory.group_members)
          return BindError{Kind::Usage, fmt::format("`{}`: host groups exist only in the service (wf start)", n)};
        const auto members = directory.group_members(n.substr(1));
        if (!members) return BindError{Kind::Usage, fmt::format("no host group `{}`", n.substr(1))};
        for (const std::string& m : *members) add(m);
      }
      if (names.empty() && p.default_fn < 0) {
        const bool only = std::count_if(w.params.begin(), w.params.end(), [](const auto& q) { return is_hosts_type(q.type); }) == 1;
        const std::string how = targets.syntax == HostTargets::Syntax::Api ? name_each({p.name}, targets.syntax)
                                : only ? std::string("--hosts a,b")
                                       : fmt::format("--param {}=a,b", p.name);
        return BindError{Kind::Usage, fmt::format("`{}` needs hosts: pass {}", p.name, how)};
      }
      std::vector<vm::Value> bound;
      for (const std::string& n : names) bound.push_back(directory.host_record ? directory.host_record(n) : local_host_record(n));
      args.push_back(vm::make_list(std::move(bound)));
      continue;
    }
    if (!is_hosts_type(p.type) && it != given.end()) {
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

// Binding a workflow's parameters from text (see params.h).
#include "local/params.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

#include "effects/records.h"
#include "local/local_runner.h"
#include "syntax/literals.h"
#include "vm/render.h"

namespace wf::local {

namespace {

std::string trim_optional(std::string type) {
  while (!type.empty() && (type.back() == '?' || type.back() == ' ')) type.pop_back();
  return type;
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
  return vm::from_json(j);
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

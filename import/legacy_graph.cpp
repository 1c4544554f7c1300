// Reads and checks the legacy step-graph JSON (see legacy_graph.h).
#include "legacy_graph.h"

#include <fmt/format.h>

#include <set>

namespace wf::legacy {

namespace {

using nlohmann::json;

struct TypeWord {
  const char* word;
  StepType type;
};

constexpr TypeWord kTypes[] = {
    {"script", StepType::Script},          {"command", StepType::Command},         {"approval", StepType::Approval},
    {"conditional", StepType::Conditional}, {"delay", StepType::Delay},             {"pam_checkout", StepType::PamCheckout},
    {"pam_checkin", StepType::PamCheckin},  {"parallel", StepType::Parallel},       {"notification", StepType::Notification},
};

std::string type_list() {
  std::string out;
  for (const TypeWord& t : kTypes) out += out.empty() ? t.word : fmt::format(", {}", t.word);
  return out;
}

// A failure while reading; the message already names the step.
struct Bad {
  std::string message;
};

std::string where(const std::string& id) { return fmt::format("step \"{}\"", id); }

// A routing field: null or "end" ends, "fail" fails, anything else names a step (checked later).
Target read_target(const json& v, const std::string& id, const char* field) {
  if (v.is_null()) return {Target::Kind::End, ""};
  if (!v.is_string()) throw Bad{fmt::format("{}: `{}` must be a step id, \"end\", \"fail\" or null", where(id), field)};
  const std::string s = v.get<std::string>();
  if (s == "end" || s.empty()) return {Target::Kind::End, ""};
  if (s == "fail") return {Target::Kind::Fail, ""};
  return {Target::Kind::Step, s};
}

int read_int(const json& v, const std::string& id, const char* field, int fallback) {
  if (v.is_null()) return fallback;
  if (v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() < 1'000'000'000) return static_cast<int>(v.get<int64_t>());
  if (v.is_string()) {
    try {
      size_t used = 0;
      const int n = std::stoi(v.get<std::string>(), &used);
      if (used == v.get<std::string>().size() && n >= 0) return n;
    } catch (const std::exception&) {
    }
  }
  throw Bad{fmt::format("{}: `{}` must be a whole number of at least 0", where(id), field)};
}

// A step field, looked up on the step itself and then in its `config`.
const json& field(const json& step, const json& config, const char* name) {
  static const json null_value;
  if (auto it = step.find(name); it != step.end() && !it->is_null()) return *it;
  if (auto it = config.find(name); it != config.end()) return *it;
  return null_value;
}

// Parallel steps nested deeper than this are refused: nobody draws such a graph, and the
// reading (and the code written from it) would go as deep.
constexpr int kMaxParallelNesting = 8;

Step read_step(const json& j, const std::string& position, std::set<std::string>& ids, int depth);

std::vector<Step> read_steps(const json& list, const std::string& position, std::set<std::string>& ids, int depth) {
  std::vector<Step> out;
  for (size_t i = 0; i < list.size(); ++i) out.push_back(read_step(list[i], fmt::format("{}{}", position, i + 1), ids, depth));
  return out;
}

Step read_step(const json& j, const std::string& position, std::set<std::string>& ids, int depth) {
  if (!j.is_object()) throw Bad{fmt::format("step {}: must be an object", position)};
  Step s;
  s.raw = j;
  auto id = j.find("id");
  if (id == j.end() || !(id->is_string() || id->is_number_integer()) || (id->is_string() && id->get<std::string>().empty()))
    throw Bad{fmt::format("step {}: `id` is missing (each step needs a unique string id)", position)};
  s.id = id->is_string() ? id->get<std::string>() : std::to_string(id->get<int64_t>());
  if (s.id == "end" || s.id == "fail") throw Bad{fmt::format("{}: `{}` is a reserved target and cannot be a step id", where(s.id), s.id)};
  if (!ids.insert(s.id).second) throw Bad{fmt::format("{}: the id is used by another step", where(s.id))};
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) throw Bad{fmt::format("{}: `type` is missing (one of {})", where(s.id), type_list())};
  bool known = false;
  for (const TypeWord& t : kTypes)
    if (type->get<std::string>() == t.word) s.type = t.type, known = true;
  if (!known) throw Bad{fmt::format("{}: unknown step type \"{}\" (expected one of {})", where(s.id), type->get<std::string>(), type_list())};
  if (auto name = j.find("name"); name != j.end() && name->is_string()) s.name = name->get<std::string>();
  if (auto config = j.find("config"); config != j.end() && !config->is_null()) {
    if (!config->is_object()) throw Bad{fmt::format("{}: `config` must be an object", where(s.id))};
    s.config = *config;
  } else {
    s.config = json::object();
  }
  s.on_success = read_target(j.value("on_success", json()), s.id, "on_success");
  if (auto f = j.find("on_failure"); f != j.end() && !f->is_null()) {
    Target t = read_target(*f, s.id, "on_failure");
    if (t.kind != Target::Kind::Fail) s.on_failure = t;
  }
  if (s.type == StepType::Conditional) {
    s.on_true = read_target(field(j, s.config, "on_true"), s.id, "on_true");
    s.on_false = read_target(field(j, s.config, "on_false"), s.id, "on_false");
    const json& condition = field(j, s.config, "condition");
    if (!condition.is_string() || condition.get<std::string>().empty())
      throw Bad{fmt::format("{}: a conditional needs `config.condition`, a string such as \"{{{{step_scan.exit_code}}}} == 0\"", where(s.id))};
  }
  s.retry_count = read_int(field(j, s.config, "retry_count"), s.id, "retry_count", 0);
  s.retry_delay_seconds = read_int(field(j, s.config, "retry_delay_seconds"), s.id, "retry_delay_seconds", 30);
  if (const json& r = field(j, s.config, "run_as"); !r.is_null()) {
    if (!r.is_string()) throw Bad{fmt::format("{}: `run_as` must be a string such as \"{{{{db_admin}}}}\"", where(s.id))};
    s.run_as = r.get<std::string>();
  }
  if (s.type == StepType::Parallel) {
    const json& branches = field(j, s.config, "branches");
    if (!branches.is_array() || branches.empty())
      throw Bad{fmt::format("{}: a parallel step needs `config.branches`, a list of branches, each a list of steps", where(s.id))};
    if (depth >= kMaxParallelNesting)
      throw Bad{fmt::format("{}: parallel steps are nested more than {} deep", where(s.id), kMaxParallelNesting)};
    for (size_t b = 0; b < branches.size(); ++b) {
      if (!branches[b].is_array() || branches[b].empty())
        throw Bad{fmt::format("{}: branch {} must be a non-empty list of steps", where(s.id), b + 1)};
      s.branches.push_back(read_steps(branches[b], fmt::format("\"{}\" branch {} #", s.id, b + 1), ids, depth + 1));
    }
  }
  return s;
}

void check_targets(const std::vector<Step>& steps, const std::set<std::string>& top_level, const std::set<std::string>& all) {
  for (const Step& s : steps) {
    auto check = [&](const Target& t, const char* field) {
      if (t.kind == Target::Kind::Step && !top_level.count(t.step))
        throw Bad{fmt::format("{}: `{}` names step \"{}\", which {}", where(s.id), field, t.step,
                              all.count(t.step) ? "is inside a parallel branch and cannot be routed to" : "does not exist")};
    };
    check(s.on_success, "on_success");
    if (s.on_failure) check(*s.on_failure, "on_failure");
    if (s.type == StepType::Conditional) {
      check(s.on_true, "on_true");
      check(s.on_false, "on_false");
    }
  }
}

// A branch runs its steps in order: routing inside it to other steps cannot be followed.
void check_branch_steps(const std::vector<Step>& steps) {
  for (const Step& s : steps) {
    for (const auto& branch : s.branches) {
      for (const Step& b : branch) {
        if (b.type == StepType::Conditional)
          throw Bad{fmt::format("{}: a conditional cannot be inside a parallel branch, whose steps run in order", where(b.id))};
        if (b.type == StepType::PamCheckout || b.type == StepType::PamCheckin)
          throw Bad{fmt::format("{}: a PAM step cannot be inside a parallel branch; check out before the parallel step", where(b.id))};
        if (b.on_success.kind == Target::Kind::Step || (b.on_failure && b.on_failure->kind == Target::Kind::Step))
          throw Bad{fmt::format("{}: a step inside a parallel branch cannot route to another step; its branch runs its steps in order", where(b.id))};
      }
      check_branch_steps(branch);
    }
  }
}

}  // namespace

const char* type_word(StepType type) {
  for (const TypeWord& t : kTypes)
    if (t.type == type) return t.word;
  return "?";
}

bool parse_graph(const std::string& text, Graph& out, std::string& error) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    error = fmt::format("invalid JSON at byte {}: {}", e.byte, e.what());
    return false;
  }
  try {
    if (!j.is_object()) throw Bad{"a legacy workflow is a JSON object with `name` and `steps`"};
    auto steps = j.find("steps");
    if (steps == j.end() || !steps->is_array() || steps->empty())
      throw Bad{"`steps` must be a non-empty list of step objects"};
    Graph g;
    if (auto n = j.find("name"); n != j.end() && n->is_string()) g.name = n->get<std::string>();
    if (auto d = j.find("description"); d != j.end() && d->is_string()) g.description = d->get<std::string>();
    if (auto v = j.find("variables"); v != j.end() && !v->is_null()) {
      if (v->is_object()) {
        for (const auto& [k, value] : v->items()) g.variables.push_back({k, value});
      } else if (v->is_array()) {
        for (const json& item : *v) {
          if (item.is_string()) {
            g.variables.push_back({item.get<std::string>(), json()});
          } else if (item.is_object() && item.contains("name") && item["name"].is_string()) {
            g.variables.push_back({item["name"].get<std::string>(), item.contains("default") ? item["default"] : item.value("value", json())});
          } else {
            throw Bad{"`variables` must map names to default values, or list names or {name, default} objects"};
          }
        }
      } else {
        throw Bad{"`variables` must map names to default values, or list names or {name, default} objects"};
      }
    }
    auto number = [&](const char* key) -> std::optional<double> {
      auto it = j.find(key);
      if (it == j.end() || it->is_null()) return std::nullopt;
      if (!it->is_number() || it->get<double>() < 0) throw Bad{fmt::format("`{}` must be a number of at least 0", key)};
      return it->get<double>();
    };
    if (auto t = number("default_timeout_seconds")) g.default_timeout_seconds = static_cast<int64_t>(*t);
    g.canary_percentage = number("canary_percentage");
    g.canary_success_threshold = number("canary_success_threshold");
    if (auto t = j.find("trigger_type"); t != j.end() && t->is_string()) g.trigger_type = t->get<std::string>();
    std::set<std::string> ids;
    g.steps = read_steps(*steps, "", ids, 0);
    std::set<std::string> top_level;
    for (const Step& s : g.steps) top_level.insert(s.id);
    check_branch_steps(g.steps);
    check_targets(g.steps, top_level, ids);
    out = std::move(g);
    return true;
  } catch (const Bad& bad) {
    error = bad.message;
    return false;
  }
}

}  // namespace wf::legacy

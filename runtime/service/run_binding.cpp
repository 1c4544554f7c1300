// Binding a start's params and targets (see run_binding.h).
#include "runtime/service/run_binding.h"

#include <fmt/format.h>

#include "effects/records.h"
#include "local/params.h"
#include "runtime/service/views.h"
#include "runtime/store/agents.h"
#include "runtime/store/host_tags.h"

namespace wf::service {

namespace {

// The host record of a registered host (SPEC §1.6 `host`), or nullopt; `error` set when the store
// could not say.
std::optional<vm::Value> host_record(Context& c, int64_t org, const std::string& name, std::string& error) {
  auto agent = store::agents::find(c.reads->connection(), org, name);
  if (!agent.ok()) {
    error = agent.error();
    return std::nullopt;
  }
  if (!*agent) return std::nullopt;
  auto groups = store::groups::of_host(c.reads->connection(), org, name);
  if (!groups.ok()) {
    error = groups.error();
    return std::nullopt;
  }
  const store::AgentRow& a = **agent;
  return effects::make_host(std::to_string(a.id), a.hostname, a.ip, a.os, store::merged_tags(tag_list(a.tags), tag_list(a.agent_tags)),
                            *groups);
}

// A request's `hosts`: a list of host names (the workflow's one `hosts` parameter), or an object
// of such lists keyed by `hosts` parameter. False when it is neither.
bool read_hosts(const nlohmann::json& body, local::HostTargets& targets) {
  auto it = body.find("hosts");
  if (it == body.end() || it->is_null()) return true;
  auto names_of = [](const nlohmann::json& list, std::vector<std::string>& out) {
    if (!list.is_array()) return false;
    for (const auto& e : list) {
      if (!e.is_string()) return false;
      out.push_back(e.get<std::string>());
    }
    return true;
  };
  bool ok = true;
  if (it->is_object()) {
    for (const auto& [name, list] : it->items()) ok = ok && names_of(list, targets.named[name]);
  } else {
    ok = names_of(*it, targets.unnamed);
  }
  return ok;
}

}  // namespace

std::optional<BindFailure> bind_start(Context& c, int64_t org, const std::shared_ptr<const vm::Program>& program,
                                      uint32_t index, const nlohmann::json& body, std::vector<vm::Value>& args,
                                      nlohmann::json& params, nlohmann::json& targets) {
  Fields f(body);
  const nlohmann::json* given = f.object("params");
  auto groups = f.strings("groups");
  if (!f.error().empty()) return BindFailure{400, "bad_request", f.error()};
  local::HostTargets hosts;
  hosts.syntax = local::HostTargets::Syntax::Api;
  if (!read_hosts(body, hosts))
    return BindFailure{400, "bad_request",
                       "`hosts` must be a list of host names, or an object of such lists keyed by `hosts` parameter "
                       "({\"app\": [\"web1\"], \"db\": [\"db1\"]})"};
  for (const std::string& g : groups.value_or(std::vector<std::string>{})) hosts.unnamed.push_back("@" + g);
  // Each host and group is looked up once; what is unknown or unreadable is answered after.
  std::map<std::string, std::optional<vm::Value>> known;
  std::string unknown, store_error;
  local::HostDirectory directory;
  directory.host_record = [&](const std::string& n) -> vm::Value {
    auto it = known.find(n);
    if (it == known.end()) it = known.emplace(n, host_record(c, org, n, store_error)).first;
    if (!it->second && unknown.empty()) unknown = n;
    return it->second.value_or(vm::Value());
  };
  directory.group_members = [&](const std::string& g) -> std::optional<std::vector<std::string>> {
    auto group = store::groups::find(c.reads->connection(), org, g);
    if (!group.ok()) {
      store_error = group.error();
      return std::vector<std::string>{};
    }
    if (!*group) return std::nullopt;
    std::vector<std::string> names;
    auto members = nlohmann::json::parse((*group)->hosts, nullptr, false);
    if (members.is_array())
      for (const auto& m : members)
        if (m.is_string()) names.push_back(m.get<std::string>());
    return names;
  };
  std::map<std::string, std::string> text;
  if (given)
    for (const auto& [k, v] : given->items()) text[k] = v.is_string() ? v.get<std::string>() : v.dump();
  const bytecode::Workflow& w = program->module.workflows[index];
  if (auto bad = local::unknown_parameter(w, text)) return BindFailure{400, "bad_request", *bad};
  auto bind_error = local::bind_arguments(program, w, text, hosts, c.engine->binding_host(), args, directory);
  if (!store_error.empty()) return BindFailure{503, "store_unavailable", "the store could not be read: " + store_error};
  if (bind_error) return BindFailure{400, "bad_request", bind_error->message};
  if (!unknown.empty())
    return BindFailure{400, "bad_request", fmt::format("no registered host `{}` (hosts register by running `wf agent`)", unknown)};
  params = given ? *given : nlohmann::json::object();
  const auto hosts_field = body.find("hosts");
  targets = {{"hosts", hosts_field != body.end() && !hosts_field->is_null() ? *hosts_field : nlohmann::json::array()},
             {"groups", groups.value_or(std::vector<std::string>{})}};
  return std::nullopt;
}

}  // namespace wf::service

// The script library (SPEC §4.7 `scripts.*`, docs/api.md "Script library"): the scripts and
// libraries declared by an organization's published definitions, one script run on hosts as
// ad-hoc jobs (one per host, as a workflow's `run script` would run it there), and the jobs that
// ran a script, newest first.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "effects/job_plan.h"
#include "effects/records.h"
#include "local/params.h"
#include "runtime/engine/job_spec_json.h"
#include "runtime/service/routes.h"
#include "runtime/service/views.h"
#include "runtime/store/agents.h"
#include "runtime/store/definitions.h"
#include "runtime/store/jobs.h"
#include "vm/machine.h"
#include "vm/render.h"

namespace wf::service {

namespace {

// The most hosts one execute request runs on: each is a job, queued in one unit.
constexpr size_t kMostHosts = 1000;

// A default is a small pure function; listing the library computes each one on the loop thread,
// so a runaway one is cut short rather than stalling every other request.
constexpr uint64_t kDefaultFuel = 1'000'000;

// One script or library as published: the definition that declares it (whose published version
// holds it) and where it is in that version's module.
struct Published {
  store::DefinitionRow definition;
  std::shared_ptr<const vm::Program> program;
  size_t index = 0;  // into program->module.scripts

  const bytecode::Script& script() const { return program->module.scripts[index]; }
  int64_t version() const { return definition.published_version.value_or(0); }
};

// The scripts and libraries of `org`'s active definitions' published versions (of the definition
// `only`, when given), those named `name` when it is not empty: by name, then definition name.
store::Result<std::vector<Published>> published_scripts(Context& c, int64_t org, std::optional<int64_t> only,
                                                        std::string_view name = {}) {
  using Answer = store::Result<std::vector<Published>>;
  auto definitions = store::definitions::published(c.reads->connection(), org, only);
  if (!definitions.ok()) return Answer::failure(definitions.error());
  std::vector<Published> out;
  for (const store::DefinitionRow& d : *definitions) {
    auto program = c.programs->get(d.id, *d.published_version);
    // A version whose module does not load declares nothing that could run; ProgramCache said why.
    if (!program) continue;
    for (size_t i = 0; i < program->module.scripts.size(); ++i)
      if (name.empty() || program->module.scripts[i].name == name) out.push_back({d, program, i});
  }
  std::stable_sort(out.begin(), out.end(), [](const Published& a, const Published& b) {
    return std::tie(a.script().name, a.definition.name) < std::tie(b.script().name, b.definition.name);
  });
  return out;
}

nlohmann::json definition_ref(const Published& p) {
  return {{"id", p.definition.id}, {"name", p.definition.name}, {"version", p.version()}};
}

// A parameter with its default, computed by the default's own function of the module as a run
// computes it.
nlohmann::json parameter_json(Context& c, const Published& p, const bytecode::Param& param) {
  nlohmann::json j = {{"name", param.name}, {"type", param.type},
                      {"required", param.default_fn < 0 && !param.type.ends_with("?")}};
  if (param.default_fn < 0) return j;
  vm::Machine defaults(p.program, c.engine->binding_host());
  if (defaults.start(static_cast<uint32_t>(param.default_fn), {}) && defaults.run(kDefaultFuel) == vm::Status::Completed)
    j["default"] = vm::to_json(defaults.result());
  else
    j["default_error"] = effects::field_string(defaults.error(), "message");
  return j;
}

nlohmann::json script_json(Context& c, const Published& p) {
  const bytecode::Script& s = p.script();
  nlohmann::json parameters = nlohmann::json::array(), uses = nlohmann::json::array();
  for (const bytecode::Param& param : s.params) parameters.push_back(parameter_json(c, p, param));
  for (uint32_t library : s.uses)
    if (library < p.program->module.scripts.size()) uses.push_back(p.program->module.scripts[library].name);
  // A library has only a language and a body: the other settings are a script's.
  return {{"name", s.name},
          {"kind", s.is_library ? "library" : "script"},
          {"language", s.lang},
          {"parameters", std::move(parameters)},
          {"timeout_ms", s.is_library ? nlohmann::json() : nlohmann::json(s.timeout_ms)},
          {"elevated", s.is_library ? nlohmann::json() : nlohmann::json(s.elevated)},
          {"uses", std::move(uses)},
          {"docs", s.docs},
          {"body", s.body},
          {"definition", definition_ref(p)}};
}

// The definition a request names (`?definition=` or the body's `definition`: an id or a name) in
// `definition`, left empty when `key` is. False after answering (404, 503) when the organization
// has no such definition.
bool named_definition(Context& c, const Principal& who, http::Exchange& x, const std::optional<std::string>& key,
                      std::optional<int64_t>& definition) {
  if (!key) return true;
  auto id = store::definitions::find_id(c.reads->connection(), who.org_id, *key);
  if (!read_ok(x, id)) return false;
  if (!*id) {
    reply_error(x, 404, "not_found", fmt::format("no definition `{}`", *key));
    return false;
  }
  definition = *id;
  return true;
}

// The script `name` to run: the one published script of that name (of `definition` when given).
// Answers 404 when there is none, 409 when several definitions declare it and none was named.
std::optional<Published> script_to_run(Context& c, const Principal& who, http::Exchange& x, std::string_view name,
                                       std::optional<int64_t> definition) {
  auto found = published_scripts(c, who.org_id, definition, name);
  if (!read_ok(x, found)) return std::nullopt;
  std::vector<Published> scripts;
  bool library = false;
  for (Published& p : *found) {
    if (p.script().is_library) library = true;
    else scripts.push_back(std::move(p));
  }
  if (scripts.empty()) {
    reply_error(x, 404, "not_found",
                library ? fmt::format("`{}` is a library: it runs as part of the scripts that use it", name)
                        : fmt::format("no published script `{}`{}", name, definition ? " in that definition" : ""));
    return std::nullopt;
  }
  if (scripts.size() > 1) {
    std::vector<std::string> declared;
    for (const Published& p : scripts) declared.push_back(fmt::format("{} ({})", p.definition.id, p.definition.name));
    reply_error(x, 409, "conflict",
                fmt::format("script `{}` is declared by {} published definitions: {}; name one with `definition`", name,
                            scripts.size(), fmt::join(declared, ", ")));
    return std::nullopt;
  }
  return std::move(scripts.front());
}

// The script's arguments bound from `given` (name → JSON value) as a run binds a workflow's:
// converted to each parameter's type, defaults computed, unknown and missing ones refused.
// Answers 400 naming the parameter and returns false when they do not fit.
bool bind_script_params(Context& c, http::Exchange& x, const Published& p, const nlohmann::json* given,
                        std::vector<std::pair<std::string, vm::Value>>& params) {
  const bytecode::Script& s = p.script();
  std::map<std::string, std::string> text;
  if (given)
    for (const auto& [k, v] : given->items()) text[k] = v.is_string() ? v.get<std::string>() : v.dump();
  for (const auto& [k, v] : text)
    if (std::none_of(s.params.begin(), s.params.end(), [&](const bytecode::Param& q) { return q.name == k; })) {
      std::vector<std::string> names;
      for (const bytecode::Param& q : s.params) names.push_back(q.name);
      reply_error(x, 400, "bad_request",
                  fmt::format("script `{}` has no parameter `{}` (its parameters: {})", s.name, k,
                              names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
      return false;
    }
  // A script's parameters are a workflow's signature without a body: the same binding applies.
  bytecode::Workflow signature;
  signature.name = s.name;
  signature.params = s.params;
  local::HostTargets targets;
  targets.syntax = local::HostTargets::Syntax::Api;
  std::vector<vm::Value> args;
  if (auto bad = local::bind_arguments(p.program, signature, text, targets, c.engine->binding_host(), args)) {
    reply_error(x, 400, "bad_request", fmt::format("script `{}`: {}", s.name, bad->message));
    return false;
  }
  for (size_t i = 0; i < s.params.size() && i < args.size(); ++i) params.emplace_back(s.params[i].name, std::move(args[i]));
  return true;
}

// The hosts of an execute request, each once, in the order given; answers 404 and returns nullopt
// when one never registered.
std::optional<std::vector<std::string>> registered_hosts(Context& c, const Principal& who, http::Exchange& x,
                                                         const std::vector<std::string>& given) {
  std::vector<std::string> hosts;
  for (const std::string& h : given)
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(h);
  for (const std::string& h : hosts) {
    auto agent = store::agents::find(c.reads->connection(), who.org_id, h);
    if (!read_ok(x, agent)) return std::nullopt;
    if (!*agent) {
      reply_error(x, 404, "not_found", fmt::format("no registered host `{}` (hosts register by running `wf agent`)", h));
      return std::nullopt;
    }
  }
  return hosts;
}

}  // namespace

void list_scripts(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  std::optional<int64_t> only;
  if (!named_definition(c, who, *x, r.query_param("definition"), only)) return;
  auto found = published_scripts(c, who.org_id, only);
  if (!read_ok(*x, found)) return;
  nlohmann::json items = nlohmann::json::array();
  for (const Published& s : *found) items.push_back(script_json(c, s));
  reply_items(*x, std::move(items));
}

void execute_script(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto hosts = f.strings("hosts");
  const nlohmann::json* given = f.object("params");
  if (!f.ok(*x)) return;
  if (!hosts || hosts->empty() || hosts->size() > kMostHosts)
    return reply_error(*x, 400, "bad_request", fmt::format("`hosts` must name from 1 to {} hosts to run the script on", kMostHosts));
  std::optional<std::string> definition_key;
  if (auto it = body->find("definition"); it != body->end() && !it->is_null()) {
    if (!it->is_string() && !it->is_number_integer())
      return reply_error(*x, 400, "bad_request", "`definition` must be a definition's id or name");
    definition_key = it->is_string() ? it->get<std::string>() : std::to_string(it->get<int64_t>());
  }
  std::optional<int64_t> definition;
  if (!named_definition(c, who, *x, definition_key, definition)) return;
  const std::string name(p["id"]);
  auto script = script_to_run(c, who, *x, name, definition);
  if (!script) return;
  std::vector<std::pair<std::string, vm::Value>> params;
  if (!bind_script_params(c, *x, *script, given, params)) return;
  auto targets = registered_hosts(c, who, *x, *hosts);
  if (!targets) return;
  const store::JobScript ran{name, script->definition.id, script->version()};
  std::vector<engine::Engine::AdHocJob> jobs;
  // Exactly what a workflow's `run script` plans for a host (one planner for both), planned once;
  // the hosts' jobs differ only in WF_HOST.
  effects::PlannedJob planned = effects::plan_script(script->program->module, script->script(), params);
  for (const std::string& host : *targets) {
    planned.spec.env["WF_HOST"] = host;
    jobs.push_back({host, engine::spec_json(planned.spec).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    planned.spec.timeout.count(), planned.description, static_cast<int64_t>(store::JobPriority::Normal), ran});
  }
  auto ids = std::make_shared<std::vector<int64_t>>();
  nlohmann::json answer = {{"script", name}, {"definition", definition_ref(*script)}};
  *ids = c.engine->create_jobs(who.org_id, jobs, [x, ids, targets = *targets, answer](bool ok, const std::string& error) mutable {
    if (!ok) return reply_not_stored(*x, error);
    nlohmann::json created = nlohmann::json::array();
    for (size_t i = 0; i < ids->size() && i < targets.size(); ++i) created.push_back({{"id", (*ids)[i]}, {"host", targets[i]}});
    answer["jobs"] = std::move(created);
    reply_json(*x, 201, answer);
  });
}

void script_executions(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  store::Paging page;
  if (!keyset_paging(r, *x, page)) return;
  std::optional<int64_t> only;
  if (!named_definition(c, who, *x, r.query_param("definition"), only)) return;
  const std::string name(p["id"]);
  c.reads->read([&](store::Database& db) { return store::jobs::of_script(db, who.org_id, name, only, page); },
                [&](const store::Result<store::Page<store::JobRow>>& found) {
                  if (!read_ok(*x, found)) return;
                  // A name neither published nor ever run is a mistake worth saying, not an empty list.
                  if (found->items.empty() && !page.after && page.skip == 0) {
                    auto declared = published_scripts(c, who.org_id, only, name);
                    if (!read_ok(*x, declared)) return;
                    if (declared->empty())
                      return reply_error(*x, 404, "not_found", fmt::format("no published script `{}` and no job ran one", name));
                  }
                  reply_page(*x, found, [](const store::JobRow& j) {
                    nlohmann::json e = job_json(j, false);
                    e["job_id"] = j.id;
                    e["created_at"] = format_time(j.scheduled_at);
                    return e;
                  });
                });
}

}  // namespace wf::service

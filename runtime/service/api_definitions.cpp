// Definitions (SPEC §4.4): upload and compile, versions, publish, clone, template and active
// flags, export and import, delete, run and run-test.
#include <fmt/format.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "bytecode/module_codec.h"
#include "diagnostics/render_json.h"
#include "effects/clock.h"
#include "effects/records.h"
#include "local/params.h"
#include "lower/compile.h"
#include "runtime/service/routes.h"
#include "simulate/simulator.h"
#include "vm/render.h"

namespace wf::service {

namespace {

struct Compiled {
  std::optional<bytecode::Module> module;
  nlohmann::json diagnostics = nlohmann::json::array();
  std::string error;
};

// A plain file name: what an uploaded file and its imports may be called.
bool plain_name(const std::string& n) {
  return !n.empty() && n.size() < 256 && n.find('/') == std::string::npos && n.find('\\') == std::string::npos && n != "." &&
         n != ".." && n.find('\0') == std::string::npos;
}

// Compiles an upload and the files it imports (`imports`: name → text) in a private temporary
// directory. An import that reaches outside it is refused, so a pushed source can never read the
// server's own files.
Compiled compile_upload(const std::string& file, const std::string& source, const std::map<std::string, std::string>& imports) {
  Compiled out;
  std::string pattern = (std::filesystem::temp_directory_path() / "wf-upload-XXXXXX").string();
  const char* made = ::mkdtemp(pattern.data());
  if (!made) {
    out.error = "cannot create a directory to compile in";
    return out;
  }
  const std::filesystem::path dir = made;
  auto cleanup = [&] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  };
  for (const auto& [name, text] : imports) {
    std::ofstream f(dir / name, std::ios::binary);
    f << text;
  }
  CompileResult r = compile_text((dir / file).string(), source);
  const std::string prefix = dir.string() + "/";
  for (const auto& f : r.compilation->files())
    if (f->path().rfind(prefix, 0) != 0) {
      cleanup();
      out.error = "an import must name a file pushed with the source (\"files\"), in the same directory";
      return out;
    }
  std::vector<Diagnostic> all = r.compilation->diagnostics().all();
  for (const Diagnostic& d : r.lowering.all()) all.push_back(d);
  out.diagnostics = diagnostics_to_json(r.compilation->files(), all);
  for (auto& d : out.diagnostics)
    for (const char* key : {"file"})
      if (d.contains(key) && d[key].is_string()) {
        std::string f = d[key].get<std::string>();
        if (f.rfind(prefix, 0) == 0) d[key] = f.substr(prefix.size());
      }
  out.module = std::move(r.module);
  out.error = r.error;
  if (out.module)
    for (auto& src : out.module->sources)
      if (src.path.rfind(prefix, 0) == 0) src.path = src.path.substr(prefix.size());
  cleanup();
  return out;
}

// The definition named or numbered by `key`, or 0.
int64_t find_definition(Context& c, int64_t org, std::string_view key) {
  if (auto id = parse_id(key)) {
    auto& q = c.reader->prepare("SELECT id FROM definitions WHERE id = ?1 AND org_id = ?2");
    q.bind(1, *id).bind(2, org);
    const int64_t found = q.step() ? q.column_int64(0) : 0;
    q.reset();
    if (found) return found;
  }
  auto& q = c.reader->prepare("SELECT id FROM definitions WHERE name = ?1 AND org_id = ?2");
  q.bind(1, key).bind(2, org);
  const int64_t found = q.step() ? q.column_int64(0) : 0;
  q.reset();
  return found;
}

nlohmann::json definition_json(store::Database& db, int64_t id, bool with_source) {
  auto& q = db.prepare(
      "SELECT d.id, d.name, d.description, d.template, d.active, d.published_version, d.created_at, d.updated_at, "
      "(SELECT MAX(version) FROM definition_versions v WHERE v.definition_id = d.id) FROM definitions d WHERE d.id = ?1");
  q.bind(1, id);
  if (!q.step()) {
    q.reset();
    return nullptr;
  }
  nlohmann::json j = {{"id", q.column_int64(0)},
                      {"name", q.column_text(1)},
                      {"description", q.column_text(2)},
                      {"template", q.column_int64(3) != 0},
                      {"active", q.column_int64(4) != 0},
                      {"published_version", q.column_is_null(5) ? nlohmann::json() : nlohmann::json(q.column_int64(5))},
                      {"created_at", format_time(q.column_int64(6))},
                      {"updated_at", format_time(q.column_int64(7))},
                      {"latest_version", q.column_is_null(8) ? nlohmann::json() : nlohmann::json(q.column_int64(8))}};
  const int64_t latest = q.column_is_null(8) ? 0 : q.column_int64(8);
  q.reset();
  if (with_source && latest) {
    auto& v = db.prepare("SELECT source, module_hash, file FROM definition_versions WHERE definition_id = ?1 AND version = ?2");
    v.bind(1, id).bind(2, latest);
    if (v.step()) {
      j["source"] = v.column_text(0);
      j["module_hash"] = v.column_text(1);
      j["file"] = v.column_text(2);
    }
    v.reset();
  }
  return j;
}

// Stores a new version of every workflow of `module` (a definition per workflow name), inside the
// writer's transaction. Returns [{id, name, version, module_hash}].
bool store_versions(store::Database& db, int64_t org, const bytecode::Module& module, const std::string& source,
                    const std::string& file, const std::string& files, const std::string& description,
                    const std::string& rename, nlohmann::json& out, std::string& error) {
  const std::vector<uint8_t> bytes = bytecode::encode_module(module);
  const std::string hash = bytecode::module_hash(bytes);
  const int64_t now = effects::wall_clock_ms();
  out = nlohmann::json::array();
  for (const bytecode::Workflow& w : module.workflows) {
    const std::string name = rename.empty() ? w.name : rename;
    auto& find = db.prepare("SELECT id FROM definitions WHERE org_id = ?1 AND name = ?2");
    find.bind(1, org).bind(2, std::string_view(name));
    int64_t id = find.step() ? find.column_int64(0) : 0;
    find.reset();
    if (!id) {
      auto& ins = db.prepare(
          "INSERT INTO definitions (org_id, name, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)");
      ins.bind(1, org).bind(2, std::string_view(name)).bind(3, std::string_view(description)).bind(4, now);
      if (!ins.run()) {
        error = ins.error();
        return false;
      }
      id = db.last_insert_rowid();
    } else {
      auto& up = db.prepare("UPDATE definitions SET updated_at = ?2 WHERE id = ?1");
      up.bind(1, id).bind(2, now);
      if (!up.run()) {
        error = up.error();
        return false;
      }
    }
    auto& ver = db.prepare("SELECT COALESCE(MAX(version), 0) + 1 FROM definition_versions WHERE definition_id = ?1");
    ver.bind(1, id);
    const int64_t version = ver.step() ? ver.column_int64(0) : 1;
    ver.reset();
    auto& ins = db.prepare(
        "INSERT INTO definition_versions (definition_id, version, source, file, files, module, module_hash, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    ins.bind(1, id).bind(2, version).bind(3, std::string_view(source)).bind(4, std::string_view(file)).bind(5, std::string_view(files));
    ins.bind_blob(6, bytes.data(), bytes.size()).bind(7, std::string_view(hash)).bind(8, now);
    if (!ins.run()) {
      error = ins.error();
      return false;
    }
    out.push_back({{"id", id}, {"name", name}, {"version", version}, {"module_hash", hash}});
    if (!rename.empty()) break;  // an import or a clone is one definition
  }
  return true;
}

// Compiles and stores an upload; answers 201 with the versions, or 422 with the diagnostics.
void upload(Context& c, const Principal& who, ExchangePtr x, const std::string& source, const std::string& file,
            const std::string& description, const std::string& rename, bool single,
            const std::map<std::string, std::string>& imports = {}) {
  if (!plain_name(file)) return reply_error(*x, 400, "bad_request", "`file` must be a plain file name such as deploy.wf");
  for (const auto& [name, text] : imports)
    if (!plain_name(name) || name == file) return reply_error(*x, 400, "bad_request", fmt::format("`files`: `{}` is not a plain file name", name));
  Compiled compiled = compile_upload(file, source, imports);
  if (!compiled.module) {
    nlohmann::json body = {{"error", {{"code", "compile_failed"},
                                      {"message", compiled.error.empty() ? "the source has errors" : compiled.error},
                                      {"diagnostics", compiled.diagnostics}}}};
    reply_json(*x, 422, body);
    return;
  }
  if (compiled.module->workflows.empty()) {
    reply_error(*x, 422, "compile_failed", "the source declares no workflow");
    return;
  }
  auto result = std::make_shared<nlohmann::json>();
  auto module = std::make_shared<bytecode::Module>(std::move(*compiled.module));
  const int64_t org = who.org_id;
  const std::string files = nlohmann::json(imports).dump();
  c.writer->submit(
      [=](store::Database& db, std::string& error) {
        return store_versions(db, org, *module, source, file, files, description, rename, *result, error);
      },
      [x, result, single](bool ok, const std::string& error) {
        if (!ok) return reply_error(*x, 500, "internal", error);
        if (single && !result->empty()) reply_json(*x, 201, (*result)[0]);
        else reply_json(*x, 201, {{"definitions", *result}});
      });
}

// Writes `sql` with (?1 = id, ?2 = value) for PATCH, publish and the flags.
void update_definition(Context& c, ExchangePtr x, int64_t id, std::vector<std::function<bool(store::Database&, std::string&)>> steps) {
  auto shared = std::make_shared<decltype(steps)>(std::move(steps));
  c.writer->submit(
      [shared](store::Database& db, std::string& error) {
        for (auto& s : *shared)
          if (!s(db, error)) return false;
        return true;
      },
      [&c, x, id](bool ok, const std::string& error) {
        if (!ok) return reply_error(*x, 500, "internal", error);
        reply_json(*x, 200, definition_json(*c.reader, id, false));
      });
}

std::function<bool(store::Database&, std::string&)> exec_step(std::string sql, int64_t id, std::optional<int64_t> v, std::optional<std::string> text = {}) {
  return [sql = std::move(sql), id, v, text](store::Database& db, std::string& error) {
    auto& s = db.prepare(sql);
    s.bind(1, id);
    if (v) s.bind(2, *v);
    if (text) s.bind(2, std::string_view(*text));
    if (!s.run()) {
      error = s.error();
      return false;
    }
    return true;
  };
}

// The version a run uses: the one asked for, else the published one, else the latest draft.
int64_t version_to_run(Context& c, int64_t id, std::optional<int64_t> asked) {
  auto& q = c.reader->prepare(
      "SELECT d.published_version, (SELECT MAX(version) FROM definition_versions WHERE definition_id = d.id) "
      "FROM definitions d WHERE d.id = ?1");
  q.bind(1, id);
  int64_t v = 0;
  if (q.step()) v = asked ? *asked : !q.column_is_null(0) ? q.column_int64(0) : q.column_int64(1);
  q.reset();
  return v;
}

// The host record of a registered host (SPEC §1.6 `host`).
std::optional<vm::Value> host_record(Context& c, int64_t org, const std::string& name) {
  auto& q = c.reader->prepare("SELECT id, hostname, ip, os FROM agents WHERE org_id = ?1 AND hostname = ?2");
  q.bind(1, org).bind(2, std::string_view(name));
  if (!q.step()) {
    q.reset();
    return std::nullopt;
  }
  vm::Value v = effects::make_host(std::to_string(q.column_int64(0)), q.column_text(1), q.column_text(2), q.column_text(3));
  q.reset();
  return v;
}

// Binds a run request's params and targets to the workflow's parameters; answers 400 on error.
bool bind_run(Context& c, const Principal& who, http::Exchange& x, const std::shared_ptr<const vm::Program>& program,
              uint32_t index, const nlohmann::json& body, std::vector<vm::Value>& args, nlohmann::json& params,
              nlohmann::json& targets) {
  Fields f(body);
  const nlohmann::json* given = f.object("params");
  auto hosts = f.strings("hosts");
  auto groups = f.strings("groups");
  if (!f.ok(x)) return false;
  std::vector<std::string> names = hosts.value_or(std::vector<std::string>{});
  for (const std::string& g : groups.value_or(std::vector<std::string>{})) {
    auto& q = c.reader->prepare("SELECT hosts FROM groups WHERE org_id = ?1 AND name = ?2");
    q.bind(1, who.org_id).bind(2, std::string_view(g));
    if (!q.step()) {
      q.reset();
      reply_error(x, 400, "bad_request", fmt::format("no host group `{}`", g));
      return false;
    }
    auto members = nlohmann::json::parse(q.column_text(0), nullptr, false);
    q.reset();
    if (members.is_array())
      for (const auto& m : members)
        if (m.is_string()) names.push_back(m.get<std::string>());
  }
  // Each host is looked up once, whether named by `hosts`, a group or a `hosts` parameter.
  std::map<std::string, std::optional<vm::Value>> known;
  std::string unknown;
  auto lookup = [&](const std::string& n) -> vm::Value {
    auto it = known.find(n);
    if (it == known.end()) it = known.emplace(n, host_record(c, who.org_id, n)).first;
    if (!it->second) unknown = n;
    return it->second.value_or(vm::Value());
  };
  std::string csv;
  for (const std::string& n : names) {
    lookup(n);
    if (!csv.empty()) csv += ',';
    csv += n;
  }
  auto no_such_host = [&] {
    reply_error(x, 400, "bad_request", fmt::format("no registered host `{}` (hosts register by running `wf agent`)", unknown));
    return false;
  };
  if (!unknown.empty()) return no_such_host();
  std::map<std::string, std::string> text;
  if (given)
    for (const auto& [k, v] : given->items()) text[k] = v.is_string() ? v.get<std::string>() : v.dump();
  const bytecode::Workflow& w = program->module.workflows[index];
  if (auto bad = local::unknown_parameter(w, text)) {
    reply_error(x, 400, "bad_request", *bad);
    return false;
  }
  auto bind_error = local::bind_arguments(program, w, text, csv, *c.engine, args, lookup);
  if (!unknown.empty()) return no_such_host();
  if (bind_error) {
    reply_error(x, 400, "bad_request", bind_error->message);
    return false;
  }
  params = given ? *given : nlohmann::json::object();
  targets = {{"hosts", hosts.value_or(std::vector<std::string>{})}, {"groups", groups.value_or(std::vector<std::string>{})}};
  return true;
}

void run_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, int64_t id, bool test) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto version = f.integer("version");
  auto simulate = f.boolean("simulate");
  std::optional<int64_t> at;
  if (body->contains("scheduled_at") && !(*body)["scheduled_at"].is_null()) {
    at = parse_time((*body)["scheduled_at"]);
    if (!at) return reply_error(*x, 400, "bad_request", "`scheduled_at` must be an RFC 3339 time or milliseconds");
  }
  if (!f.ok(*x)) return;
  const int64_t v = version_to_run(c, id, version);
  auto program = v ? c.programs->get(id, v) : nullptr;
  if (!program) return reply_error(*x, 404, "not_found", fmt::format("definition {} has no version {}", id, v));
  auto& q = c.reader->prepare("SELECT name FROM definitions WHERE id = ?1");
  q.bind(1, id);
  const std::string name = q.step() ? q.column_text(0) : "";
  q.reset();
  uint32_t index = 0;
  const auto& wfs = program->module.workflows;
  while (index < wfs.size() && wfs[index].name != name) ++index;
  if (index == wfs.size()) index = 0;  // a renamed import or clone runs its module's workflow
  std::vector<vm::Value> args;
  nlohmann::json params, targets;
  if (!bind_run(c, who, *x, program, index, *body, args, params, targets)) return;
  if (test || simulate.value_or(false)) {
    simulate::Simulator sim(program, {});
    simulate::Report report = sim.simulate(index, std::move(args));
    return reply_json(*x, 200, nlohmann::json::parse(simulate::report_json(report).dump()));
  }
  engine::StartRequest start;
  start.org_id = who.org_id;
  start.definition_id = id;
  start.version = v;
  start.program = program;
  start.workflow_index = index;
  start.args = std::move(args);
  start.params_json = params.dump();
  start.targets_json = targets.dump();
  start.scheduled_at = at;
  // The answer is the instance's summary as its first transition left it (the engine runs that
  // transition within start()), sent once that transition has committed: starts come in bursts,
  // and the full detail (steps, variables) is one GET away.
  auto summary = std::make_shared<nlohmann::json>();
  *summary = {{"workflow", program->module.workflows[index].name}, {"definition_id", id}, {"version", v}};
  const int64_t instance = c.engine->start(std::move(start), [&c, x, summary](bool ok, const std::string& error) {
    if (!ok) return reply_error(*x, 500, "internal", error);
    if ((*summary)["status"].is_null()) {
      // It ended in its first transition: the store has the row.
      auto& q = c.reader->prepare("SELECT status FROM instances WHERE id = ?1");
      q.bind(1, (*summary)["id"].get<int64_t>());
      if (q.step()) (*summary)["status"] = q.column_text(0);
      q.reset();
    }
    reply_json(*x, 201, *summary);
  });
  const engine::InstanceStatus status = c.engine->status_of(instance);
  (*summary)["id"] = instance;
  (*summary)["status"] = status.status.empty() ? nlohmann::json() : nlohmann::json(status.status);
  (*summary)["pause_reason"] = status.pause_reason.empty() ? nlohmann::json() : nlohmann::json(status.pause_reason);
}

// The definition `{id}` names (its id or its name) in the caller's organization; 0, after
// answering 404, when there is none.
int64_t definition_of(Context& c, const Principal& who, http::Exchange& x, std::string_view key) {
  const int64_t id = find_definition(c, who.org_id, key);
  if (!id) reply_error(x, 404, "not_found", fmt::format("no definition `{}`", key));
  return id;
}

}  // namespace

void list_definitions(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  nlohmann::json items = nlohmann::json::array();
  auto& q = c.reader->prepare("SELECT id FROM definitions WHERE org_id = ?1 ORDER BY name LIMIT ?2 OFFSET ?3");
  q.bind(1, who.org_id).bind(2, limit).bind(3, skip);
  std::vector<int64_t> ids;
  while (q.step()) ids.push_back(q.column_int64(0));
  q.reset();
  for (int64_t id : ids) items.push_back(definition_json(*c.reader, id, false));
  const int64_t total = count_rows(*c.reader, "SELECT COUNT(*) FROM definitions WHERE org_id = ?1", who.org_id);
  return reply_json(*x, 200, {{"items", items}, {"total", total}});
}

void create_definitions(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto source = f.string("source", true);
  auto file = f.string("file");
  auto description = f.string("description");
  const nlohmann::json* files = f.object("files");
  if (!f.ok(*x)) return;
  std::map<std::string, std::string> imports;
  if (files)
    for (const auto& [name, text] : files->items()) {
      if (!text.is_string()) return reply_error(*x, 400, "bad_request", "`files` must map file names to their text");
      imports[name] = text.get<std::string>();
    }
  std::string name = file.value_or("workflow.wf");
  if (auto slash = name.find_last_of('/'); slash != std::string::npos) name = name.substr(slash + 1);
  return upload(c, who, x, *source, name, description.value_or(""), "", false, imports);
}

void import_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto name = f.string("name", true);
  auto source = f.string("source", true);
  auto description = f.string("description");
  auto new_name = f.string("new_name");
  if (!f.ok(*x)) return;
  return upload(c, who, x, *source, *name + ".wf", description.value_or(""), new_name.value_or(*name), true);
}

void get_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  return reply_json(*x, 200, definition_json(*c.reader, id, true));
}

void delete_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  return c.writer->submit(
      [id](store::Database& db, std::string& error) {
        auto& s1 = db.prepare("DELETE FROM definition_versions WHERE definition_id = ?1");
        s1.bind(1, id);
        auto& s2 = db.prepare("DELETE FROM definitions WHERE id = ?1");
        if (!s1.run()) return error = s1.error(), false;
        s2.bind(1, id);
        if (!s2.run()) return error = s2.error(), false;
        return true;
      },
      [x](bool ok, const std::string& error) {
        if (!ok) return reply_error(*x, 500, "internal", error);
        x->respond(http::Response{204, {}, ""});
      });
}

void patch_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto description = f.string("description");
  auto template_flag = f.boolean("template");
  auto active = f.boolean("active");
  auto source = f.string("source");
  if (!f.ok(*x)) return;
  if (source) {
    auto& q = c.reader->prepare("SELECT name FROM definitions WHERE id = ?1");
    q.bind(1, id);
    const std::string name = q.step() ? q.column_text(0) : "";
    q.reset();
    return upload(c, who, x, *source, name + ".wf", "", name, true);
  }
  std::vector<std::function<bool(store::Database&, std::string&)>> steps;
  if (description) steps.push_back(exec_step("UPDATE definitions SET description = ?2 WHERE id = ?1", id, {}, *description));
  if (template_flag) steps.push_back(exec_step("UPDATE definitions SET template = ?2 WHERE id = ?1", id, *template_flag ? 1 : 0));
  if (active) steps.push_back(exec_step("UPDATE definitions SET active = ?2 WHERE id = ?1", id, *active ? 1 : 0));
  steps.push_back(exec_step("UPDATE definitions SET updated_at = ?2 WHERE id = ?1", id, effects::wall_clock_ms()));
  return update_definition(c, x, id, std::move(steps));
}

void definition_versions(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  nlohmann::json items = nlohmann::json::array();
  auto& q = c.reader->prepare(
      "SELECT v.version, v.created_at, v.module_hash, d.published_version FROM definition_versions v "
      "JOIN definitions d ON d.id = v.definition_id WHERE v.definition_id = ?1 ORDER BY v.version DESC LIMIT ?2 OFFSET ?3");
  q.bind(1, id).bind(2, limit).bind(3, skip);
  while (q.step())
    items.push_back({{"version", q.column_int64(0)},
                     {"created_at", format_time(q.column_int64(1))},
                     {"module_hash", q.column_text(2)},
                     {"published", !q.column_is_null(3) && q.column_int64(3) == q.column_int64(0)}});
  q.reset();
  const int64_t total = count_rows(*c.reader, "SELECT COUNT(*) FROM definition_versions WHERE definition_id = ?1", id);
  return reply_json(*x, 200, {{"items", items}, {"total", total}});
}

void publish_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto version = f.integer("version");
  if (!f.ok(*x)) return;
  auto& q = c.reader->prepare("SELECT MAX(version) FROM definition_versions WHERE definition_id = ?1");
  q.bind(1, id);
  const int64_t latest = q.step() ? q.column_int64(0) : 0;
  q.reset();
  const int64_t chosen = version.value_or(latest);
  if (chosen < 1 || chosen > latest) return reply_error(*x, 404, "not_found", fmt::format("no version {}", chosen));
  return update_definition(c, x, id, {exec_step("UPDATE definitions SET published_version = ?2 WHERE id = ?1", id, chosen)});
}

void clone_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  auto& q = c.reader->prepare(
      "SELECT d.name, d.description, v.source, v.file, v.files FROM definitions d JOIN definition_versions v ON v.definition_id = d.id "
      "WHERE d.id = ?1 ORDER BY v.version DESC LIMIT 1");
  q.bind(1, id);
  if (!q.step()) {
    q.reset();
    return reply_error(*x, 404, "not_found", "the definition has no version");
  }
  const std::string name = q.column_text(0), description = q.column_text(1), source = q.column_text(2), file = q.column_text(3);
  auto files = nlohmann::json::parse(q.column_text(4), nullptr, false);
  q.reset();
  std::map<std::string, std::string> imports;
  if (files.is_object())
    for (const auto& [k, v] : files.items())
      if (v.is_string()) imports[k] = v.get<std::string>();
  return upload(c, who, x, source, file, description, name + " (Copy)", true, imports);
}

void export_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  nlohmann::json d = definition_json(*c.reader, id, true);
  auto program = c.programs->get(id, d.value("latest_version", int64_t{0}));
  nlohmann::json annotations = nlohmann::json::array();
  if (program)
    for (const auto& w : program->module.workflows)
      if (w.name == d["name"])
        for (const auto& a : w.annotations) {
          auto args = nlohmann::json::parse(a.args, nullptr, false);
          annotations.push_back({{"name", a.name}, {"args", args.is_discarded() ? nlohmann::json(a.args) : args}});
        }
  return reply_json(*x, 200, {{"name", d["name"]}, {"description", d["description"]}, {"source", d.value("source", "")}, {"annotations", annotations}});
}

void run_definition_now(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  return run_definition(c, who, r, x, id, false);
}

void run_definition_test(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  return run_definition(c, who, r, x, id, true);
}

}  // namespace wf::service

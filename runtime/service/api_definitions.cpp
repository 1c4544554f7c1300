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
#include "effects/workflow_policy.h"
#include "import/import.h"
#include "local/params.h"
#include "lower/compile.h"
#include "parse/sll_only.h"
#include "runtime/service/background.h"
#include "runtime/service/routes.h"
#include "runtime/service/run_binding.h"
#include "runtime/service/run_wait.h"
#include "runtime/service/schedule_annotations.h"
#include "runtime/service/views.h"
#include "runtime/store/agents.h"
#include "runtime/store/definitions.h"
#include "runtime/store/host_tags.h"
#include "runtime/store/instances.h"
#include "simulate/simulator.h"
#include "vm/continuation.h"
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
  // One SLL pass per file, never a second, full LL one: what bounds the compile of an upload,
  // however its 1 MiB is split into files (parse/sll_only.h).
  const SllOnlyScope sll_only;
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

// What the running version's annotations ask for (SPEC §1.2): the published version's, else the
// latest's.
void add_policy(Context& c, nlohmann::json& j, const store::DefinitionRow& d) {
  const std::optional<int64_t> version = store::definitions::running_version(d);
  auto program = version ? c.programs->get(d.id, *version) : nullptr;
  const auto index = program ? bytecode::find_workflow(program->module, d.name) : std::nullopt;
  const auto& workflows = program ? program->module.workflows : std::vector<bytecode::Workflow>{};
  if (!program || workflows.empty()) return;
  const effects::WorkflowPolicy policy = effects::workflow_policy(workflows[index.value_or(0)]);
  j["trigger"] = policy.trigger;
  j["timeout_ms"] = policy.timeout_ms > 0 ? nlohmann::json(policy.timeout_ms) : nlohmann::json();
  j["canary"] = policy.canary ? nlohmann::json({{"percent", policy.canary->percent}, {"threshold", policy.canary->threshold}})
                              : nlohmann::json();
  j["schedule"] = policy.schedule ? nlohmann::json(policy.schedule->cron) : nlohmann::json();
}

// A definition of `org` as the API shows it, with its latest version's source when asked.
store::Result<std::optional<nlohmann::json>> definition_view(Context& c, int64_t org, int64_t id, bool with_source) {
  using Answer = store::Result<std::optional<nlohmann::json>>;
  auto d = store::definitions::find(c.reads->connection(), org, id);
  if (!d.ok()) return Answer::failure(d.error());
  if (!*d) return std::optional<nlohmann::json>();
  nlohmann::json j = definition_json(**d);
  add_policy(c, j, **d);
  if (with_source && (*d)->latest_version) {
    auto v = store::definitions::version(c.reads->connection(), id, *(*d)->latest_version);
    if (!v.ok()) return Answer::failure(v.error());
    if (*v) {
      j["source"] = (*v)->source;
      j["module_hash"] = (*v)->module_hash;
      j["file"] = (*v)->file;
    }
  }
  return std::optional<nlohmann::json>(std::move(j));
}

// Answers a definition of `org` as it now is, with `status`.
void answer_definition(Context& c, http::Exchange& x, int64_t org, int64_t id, bool with_source, int status = 200) {
  auto view = definition_view(c, org, id, with_source);
  if (read_ok(x, view)) reply_json(x, status, view->value_or(nlohmann::json()));
}

// Stores a new version of every workflow of `module` (a definition per workflow name), inside the
// writer's transaction. Returns [{id, name, version, module_hash}].
bool store_versions(store::Database& db, int64_t org, const bytecode::Module& module, const std::string& source,
                    const std::string& file, const std::string& files, const std::string& description,
                    const std::string& rename, bool clone, nlohmann::json& out, std::string& error) {
  store::NewVersion v;
  v.module = bytecode::encode_module(module);
  v.module_hash = bytecode::module_hash(v.module);
  v.source = source;
  v.file = file;
  v.files = files;
  v.description = description;
  const int64_t now = effects::wall_clock_ms();
  out = nlohmann::json::array();
  for (const bytecode::Workflow& w : module.workflows) {
    v.name = rename.empty() ? w.name : rename;
    // The workflow's @description and @template describe its definition; a description given
    // with the upload wins.
    const effects::WorkflowPolicy policy = effects::workflow_policy(w);
    v.description = description.empty() ? policy.description : description;
    v.template_flag = policy.is_template && !clone;  // a clone is never a template (SPEC §4.4)
    int64_t id = 0, version = 0;
    bool unchanged = false;
    if (!store::definitions::add_version(db, org, v, now, id, version, unchanged, error)) return false;
    out.push_back({{"id", id}, {"name", v.name}, {"version", version}, {"module_hash", v.module_hash}, {"unchanged", unchanged}});
    if (!rename.empty()) break;  // an import or a clone is one definition
  }
  return true;
}

// What an upload makes: new definitions (a push, answered as a list), or one definition — an
// import, a new version through PATCH, or a clone (never a template).
enum class UploadKind { Push, Single, Clone };

// On the loop, once an upload's compile has finished (`why` set when it could not run): answers
// 422 for a source with errors, else submits the new versions to the writer and answers 201 after
// the commit. The client may have gone meanwhile; answering a closed exchange does nothing.
void on_upload_compiled(Context& c, ExchangePtr x, int64_t org, std::optional<Compiled>& compiled, const std::string& why,
                        const std::string& source, const std::string& file, const std::string& description,
                        const std::string& rename, UploadKind kind, const std::map<std::string, std::string>& imports) {
  if (!compiled) return reply_error(*x, 500, "internal", "the compile failed: " + why);
  if (!compiled->module) {
    nlohmann::json body = {{"error", {{"code", "compile_failed"},
                                      {"message", compiled->error.empty() ? "the source has errors" : compiled->error},
                                      {"diagnostics", compiled->diagnostics}}}};
    reply_json(*x, 422, body);
    return;
  }
  if (compiled->module->workflows.empty()) {
    reply_error(*x, 422, "compile_failed", "the source declares no workflow");
    return;
  }
  auto result = std::make_shared<nlohmann::json>();
  auto module = std::make_shared<bytecode::Module>(std::move(*compiled->module));
  const std::string files = nlohmann::json(imports).dump();
  c.writer->submit(
      [=](store::Database& db, std::string& error) {
        return store_versions(db, org, *module, source, file, files, description, rename, kind == UploadKind::Clone, *result,
                              error);
      },
      [x, result, kind](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        if (kind != UploadKind::Push && !result->empty()) reply_json(*x, 201, (*result)[0]);
        else reply_json(*x, 201, {{"definitions", *result}});
      });
}

// Compiles and stores an upload; answers 201 with the versions, or 422 with the diagnostics.
// The compile runs on libuv's pool (background.h), since a large source takes long enough to hold
// every other request; the answer and the store write follow on the loop. The source and its
// files came in one request body, so the HTTP server's body limit (1 MiB, answered 413) bounds
// them together, and a clone recompiles a source that came in the same way; each file is parsed
// once, with SLL prediction (compile_upload), so their compile takes about as long as one SLL
// pass over that much text.
void upload(Context& c, const Principal& who, ExchangePtr x, const std::string& source, const std::string& file,
            const std::string& description, const std::string& rename, UploadKind kind,
            const std::map<std::string, std::string>& imports = {}) {
  if (!plain_name(file)) return reply_error(*x, 400, "bad_request", "`file` must be a plain file name such as deploy.wf");
  for (const auto& [name, text] : imports)
    if (!plain_name(name) || name == file) return reply_error(*x, 400, "bad_request", fmt::format("`files`: `{}` is not a plain file name", name));
  const int64_t org = who.org_id;
  run_in_background(
      c.loop, [file, source, imports] { return compile_upload(file, source, imports); },
      [&c, x, org, source, file, description, rename, kind, imports](std::optional<Compiled> compiled, const std::string& error) {
        on_upload_compiled(c, x, org, compiled, error, source, file, description, rename, kind, imports);
      });
}

// Runs `change` in the writer and answers the definition as it then is.
// A publish or a change of the active flag may make, change or remove the definition's
// annotation schedule before the answer.
void update_definition(Context& c, ExchangePtr x, int64_t org, int64_t id, store::Writer::Work change) {
  c.writer->submit(std::move(change), [&c, x, org, id](bool ok, const std::string& error) {
    if (!ok) return reply_not_stored(*x, error);
    follow_schedule_annotation(c, org, id, [&c, x, org, id] { answer_definition(c, *x, org, id, false); });
  });
}

}  // namespace

// Binds a run request's params and targets to the workflow's parameters; answers the failure.
bool bind_run(Context& c, const Principal& who, http::Exchange& x, const std::shared_ptr<const vm::Program>& program,
              uint32_t index, const nlohmann::json& body, std::vector<vm::Value>& args, nlohmann::json& params,
              nlohmann::json& targets) {
  if (auto failure = bind_start(c, who.org_id, program, index, body, args, params, targets)) {
    reply_error(x, failure->status, failure->code, failure->message);
    return false;
  }
  return true;
}

namespace {

struct Simulated {
  nlohmann::json report;  // simulate::report_json
  std::string error;      // why there is no report
};

// Simulates workflow `index` of `shared` with the arguments `args` (vm::encode_values) on a thread
// of the pool. It runs a private copy of the program: a Program is read-only, but a VM running it
// counts references to its constants (LOADK copies them) without atomics, and the loop's engine may
// be running the same one. The simulator itself keeps all its state in its own members.
Simulated simulate_run(const vm::Program& shared, uint32_t index, const std::vector<uint8_t>& args) {
  Simulated out;
  std::shared_ptr<const vm::Program> program = vm::load_program(shared.module, out.error);
  if (!program) return out;
  std::vector<vm::Value> values;
  if (!vm::decode_values(*program, args, values, out.error)) return out;
  simulate::Simulator sim(program, {});
  simulate::Report report = sim.simulate(index, std::move(values));
  out.report = nlohmann::json::parse(simulate::report_json(report).dump());
  return out;
}

void run_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, int64_t id, bool test) {
  const std::optional<int64_t> wait_ms = run_wait_of(r, *x);
  if (!wait_ms) return;
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto version = f.integer("version");
  auto simulate = f.boolean("simulate");
  auto force = f.boolean("force");
  std::optional<int64_t> at;
  if (body->contains("scheduled_at") && !(*body)["scheduled_at"].is_null()) {
    at = parse_time((*body)["scheduled_at"]);
    if (!at) return reply_error(*x, 400, "bad_request", "`scheduled_at` must be an RFC 3339 time or milliseconds");
  }
  if (!f.ok(*x)) return;
  auto definition = store::definitions::find(c.reads->connection(), who.org_id, id);
  if (!read_ok(*x, definition)) return;
  // The version asked for, else the one that runs (published, else the latest draft).
  const int64_t v = *definition ? version.value_or(store::definitions::running_version(**definition).value_or(0)) : 0;
  auto program = v ? c.programs->get(id, v) : nullptr;
  if (!program) return reply_error(*x, 404, "not_found", fmt::format("definition {} has no version {}", id, v));
  const std::string name = (*definition)->name;
  // An inactive definition starts only when forced (SPEC §4.4 active flag); a simulation runs
  // nothing and is always allowed.
  const bool simulated = test || simulate.value_or(false);
  if (!(*definition)->active && !simulated && !force.value_or(false))
    return reply_error(*x, 409, "inactive",
                       fmt::format("definition `{}` is inactive: activate it (PATCH {{\"active\": true}}) or start it with "
                                   "\"force\": true",
                                   name));
  // A renamed import or clone runs its module's workflow.
  const uint32_t index = bytecode::find_workflow(program->module, name).value_or(0);
  std::vector<vm::Value> args;
  nlohmann::json params, targets;
  if (!bind_run(c, who, *x, program, index, *body, args, params, targets)) return;
  if (test || simulate.value_or(false)) {
    // On libuv's pool (background.h): a simulation runs up to a billion instructions. The
    // arguments cross as bytes, since a default's value may share a constant of `program`.
    run_in_background(
        c.loop, [program, index, bytes = vm::encode_values(*program, args)] { return simulate_run(*program, index, bytes); },
        [x](std::optional<Simulated> simulated, const std::string& error) {
          if (!simulated) return reply_error(*x, 500, "internal", "the simulation failed: " + error);
          if (!simulated->error.empty()) return reply_error(*x, 500, "internal", simulated->error);
          reply_json(*x, 200, simulated->report);
        });
    return;
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
  start.trigger = engine::Trigger::Manual;
  // The answer is the instance's summary as its first transition left it (the engine runs that
  // transition within start()), sent once that transition has committed: starts come in bursts,
  // and the full detail (steps, variables) is one GET away.
  auto summary = std::make_shared<nlohmann::json>();
  *summary = {{"workflow", program->module.workflows[index].name}, {"definition_id", id}, {"version", v}};
  if (*wait_ms > 0) {
    // Run-and-wait: the answer comes when the instance ends or the wait runs out (run_wait.h).
    auto waiter = hold_run_answer(c, x, who.org_id, *wait_ms);
    const int64_t instance = c.engine->start(std::move(start), [waiter, summary](bool ok, const std::string& error) {
      waiter->started(ok, error, *summary);
    });
    waiter->instance(instance);
    const engine::LiveStatus status = c.engine->status_of(instance);
    (*summary)["id"] = instance;
    (*summary)["status"] = status.status.empty() ? nlohmann::json() : nlohmann::json(status.status);
    (*summary)["pause_reason"] = status.pause_reason.empty() ? nlohmann::json() : nlohmann::json(status.pause_reason);
    return;
  }
  const int64_t instance = c.engine->start(std::move(start), [&c, x, summary, org = who.org_id](bool ok, const std::string& error) {
    if (!ok) return reply_not_stored(*x, error);
    if ((*summary)["status"].is_null()) {
      // It ended in its first transition: the store has the row.
      auto row = store::instances::find(c.reads->connection(), org, (*summary)["id"].get<int64_t>());
      if (!read_ok(*x, row)) return;
      if (*row) (*summary)["status"] = store::name((*row)->status);
    }
    reply_json(*x, 201, *summary);
  });
  const engine::LiveStatus status = c.engine->status_of(instance);
  (*summary)["id"] = instance;
  (*summary)["status"] = status.status.empty() ? nlohmann::json() : nlohmann::json(status.status);
  (*summary)["pause_reason"] = status.pause_reason.empty() ? nlohmann::json() : nlohmann::json(status.pause_reason);
}

// The definition `{id}` names (its id or its name) in the caller's organization; 0, after
// answering 404, when there is none.
int64_t definition_of(Context& c, const Principal& who, http::Exchange& x, std::string_view key) {
  auto id = store::definitions::find_id(c.reads->connection(), who.org_id, key);
  if (!read_ok(x, id)) return 0;
  if (!*id) reply_error(x, 404, "not_found", fmt::format("no definition `{}`", key));
  return id->value_or(0);
}

}  // namespace

void list_definitions(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  std::optional<bool> template_flag;
  if (auto t = r.query_param("template")) {
    if (*t != "true" && *t != "false") return reply_error(*x, 400, "bad_request", "`template` must be true or false");
    template_flag = *t == "true";
  }
  c.reads->read([&](store::Database& db) { return store::definitions::list(db, who.org_id, {skip, limit}, template_flag); },
                [&](const store::Result<store::Page<store::DefinitionRow>>& page) {
                  reply_page(*x, page, [&](const store::DefinitionRow& d) {
                    nlohmann::json j = definition_json(d);
                    add_policy(c, j, d);
                    return j;
                  });
                });
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
  return upload(c, who, x, *source, name, description.value_or(""), "", UploadKind::Push, imports);
}

// A legacy step-graph (SPEC §9, recognized by its `steps`) becomes a draft of the source
// `wf import` makes of it; `new_name` renames it, as for wf's own export. The import (reading,
// writing and formatting the source) runs on the pool, like the compile that follows it.
static void import_legacy_definition(Context& c, const Principal& who, ExchangePtr x, const nlohmann::json& body) {
  std::string name;
  if (auto n = body.find("new_name"); n != body.end()) {
    if (!n->is_string() || n->get<std::string>().empty()) return reply_error(*x, 400, "bad_request", "`new_name` must be a non-empty string");
    name = n->get<std::string>();
  }
  const std::string description = body.value("description", nlohmann::json()).is_string() ? body["description"].get<std::string>() : "";
  legacy::ImportOptions options;
  options.check = false;  // the upload compiles it and answers its diagnostics
  run_in_background(
      c.loop, [text = body.dump(), options] { return legacy::import_legacy(text, options); },
      [&c, who, x, name, description](std::optional<legacy::ImportResult> imported, const std::string& why) {
        if (!imported) return reply_error(*x, 500, "internal", "the import failed: " + why);
        if (!imported->ok) {
          nlohmann::json error = {{"code", "import_failed"}, {"message", imported->error}, {"warnings", imported->warnings}};
          if (!imported->note.empty()) error["note"] = imported->note;
          return reply_json(*x, 422, {{"error", error}});
        }
        upload(c, who, x, imported->source, imported->workflow + ".wf", description, name.empty() ? imported->workflow : name,
               UploadKind::Single);
      });
}

void import_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  if (legacy::is_legacy_graph(*body)) return import_legacy_definition(c, who, x, *body);
  Fields f(*body);
  auto name = f.string("name", true);
  auto source = f.string("source", true);
  auto description = f.string("description");
  auto new_name = f.string("new_name");
  if (!f.ok(*x)) return;
  return upload(c, who, x, *source, *name + ".wf", description.value_or(""), new_name.value_or(*name), UploadKind::Single);
}

void get_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  answer_definition(c, *x, who.org_id, id, true);
}

void delete_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  return c.writer->submit(
      [id, org = who.org_id](store::Database& db, std::string& error) { return store::definitions::remove(db, org, id, error); },
      [&c, x, id, org = who.org_id](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        follow_schedule_annotation(c, org, id, [x] { x->respond(http::Response{204, {}, ""}); });
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
    auto d = store::definitions::find(c.reads->connection(), who.org_id, id);
    if (!read_ok(*x, d)) return;
    const std::string name = *d ? (*d)->name : "";
    return upload(c, who, x, *source, name + ".wf", "", name, UploadKind::Single);
  }
  const int64_t org = who.org_id, now = effects::wall_clock_ms();
  return update_definition(c, x, org, id, [=](store::Database& db, std::string& error) {
    return store::definitions::update(db, org, id, description, template_flag, active, now, error);
  });
}

void definition_versions(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  c.reads->read(
      [&](store::Database& db) -> store::Result<nlohmann::json> {
        auto d = store::definitions::find(db, who.org_id, id);
        if (!d.ok()) return store::Result<nlohmann::json>::failure(d.error());
        auto page = store::definitions::versions(db, id, {skip, limit});
        if (!page.ok()) return store::Result<nlohmann::json>::failure(page.error());
        nlohmann::json items = nlohmann::json::array();
        for (const store::VersionRow& v : page->items) items.push_back(version_json(v, *d ? (*d)->published_version : std::nullopt));
        return page_json(std::move(items), page->next, page->total);
      },
      [&](const store::Result<nlohmann::json>& answer) {
        if (read_ok(*x, answer)) reply_json(*x, 200, *answer);
      });
}

void publish_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto version = f.integer("version");
  if (!f.ok(*x)) return;
  auto d = store::definitions::find(c.reads->connection(), who.org_id, id);
  if (!read_ok(*x, d)) return;
  const int64_t latest = *d ? (*d)->latest_version.value_or(0) : 0;
  const int64_t chosen = version.value_or(latest);
  if (chosen < 1 || chosen > latest) return reply_error(*x, 404, "not_found", fmt::format("no version {}", chosen));
  const int64_t org = who.org_id, now = effects::wall_clock_ms();
  return update_definition(c, x, org, id, [=](store::Database& db, std::string& error) {
    return store::definitions::publish(db, org, id, chosen, now, error);
  });
}

void clone_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  auto d = store::definitions::find(c.reads->connection(), who.org_id, id);
  if (!read_ok(*x, d)) return;
  if (!*d || !(*d)->latest_version) return reply_error(*x, 404, "not_found", "the definition has no version");
  auto latest = store::definitions::version(c.reads->connection(), id, *(*d)->latest_version);
  if (!read_ok(*x, latest)) return;
  if (!*latest) return reply_error(*x, 404, "not_found", "the definition has no version");
  const std::string name = (*d)->name, description = (*d)->description, source = (*latest)->source, file = (*latest)->file;
  auto files = nlohmann::json::parse((*latest)->files, nullptr, false);
  std::map<std::string, std::string> imports;
  if (files.is_object())
    for (const auto& [k, v] : files.items())
      if (v.is_string()) imports[k] = v.get<std::string>();
  return upload(c, who, x, source, file, description, name + " (Copy)", UploadKind::Clone, imports);
}

void export_definition(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const int64_t id = definition_of(c, who, *x, p["id"]);
  if (!id) return;
  auto view = definition_view(c, who.org_id, id, true);
  if (!read_ok(*x, view)) return;
  const nlohmann::json d = view->value_or(nlohmann::json::object());
  auto program = c.programs->get(id, d.value("latest_version", int64_t{0}));
  nlohmann::json annotations = nlohmann::json::array();
  if (program)
    if (const auto k = bytecode::find_workflow(program->module, d.value("name", std::string())))
      for (const auto& a : program->module.workflows[*k].annotations) {
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

// Instances (SPEC §4.1): list, detail (steps, variables, result), the operator's operations, the
// execution log and signals for `wait event`. Every read is of the caller's organization; another
// organization's instance is not found.
#include <fmt/format.h>

#include "runtime/service/routes.h"
#include "runtime/service/views.h"
#include "runtime/store/instances.h"
#include "runtime/store/jobs.h"
#include "vm/continuation.h"
#include "vm/render.h"

namespace wf::service {

namespace {

// The workflow's top-level bindings from the continuation (SPEC §4.1): the parameters and the
// named locals of the main fiber's outermost frame that are live at its current instruction. Credentials show only
// their identity.
nlohmann::json variables_of(Context& c, int64_t definition_id, int64_t version, std::span<const uint8_t> bytes) {
  nlohmann::json out = nlohmann::json::object();
  if (bytes.empty()) return out;
  auto program = c.programs->get(definition_id, version);
  if (!program) return out;
  vm::ContinuationDecodeResult decoded = vm::decode_continuation(bytes);
  if (!decoded.ok()) return out;
  const vm::ContinuationData& d = decoded.data();
  if (d.fibers.empty() || d.fibers[0].frames.empty()) return out;
  const vm::FiberData& f = d.fibers[0];
  const vm::FrameData& frame = f.frames[0];
  if (frame.function >= program->module.functions.size()) return out;
  const bytecode::Function& fn = program->module.functions[frame.function];
  std::function<nlohmann::json(vm::ValueRef, int)> render = [&](vm::ValueRef ref, int depth) -> nlohmann::json {
    if (ref >= d.values.size() || depth > 32) return nullptr;
    const vm::ValueData& v = d.values[ref];
    switch (v.kind) {
      case vm::ValueKind::None: return nullptr;
      case vm::ValueKind::Bool: return v.i != 0;
      case vm::ValueKind::Int: return v.i;
      case vm::ValueKind::Float: return v.f;
      case vm::ValueKind::Duration: return vm::format_duration(v.i);
      case vm::ValueKind::Time: return vm::format_instant(v.i);
      case vm::ValueKind::Str: return std::string(d.text_of(v));
      case vm::ValueKind::Credential: {
        // SPEC §1.8: a credential shows as credential(IDENTITY), never its fields.
        std::string identity;
        if (v.shape < d.shapes.size()) {
          const auto& names = d.shapes[v.shape];
          for (uint32_t k = 0; k < v.children.count && k < names.size(); ++k)
            if (names[k] == "identity" && d.values[v.children.first + k].kind == vm::ValueKind::Str)
              identity = std::string(d.text_of(d.values[v.children.first + k]));
        }
        return "credential(" + identity + ")";
      }
      case vm::ValueKind::List: {
        nlohmann::json a = nlohmann::json::array();
        for (uint32_t k = 0; k < v.children.count; ++k) a.push_back(render(v.children.first + k, depth + 1));
        return a;
      }
      case vm::ValueKind::Map: {
        nlohmann::json o = nlohmann::json::object();
        for (uint32_t k = 0; k + 1 < v.children.count; k += 2) {
          const vm::ValueData& key = d.values[v.children.first + k];
          o[std::string(d.text_of(key))] = render(v.children.first + k + 1, depth + 1);
        }
        return o;
      }
      case vm::ValueKind::Record: {
        nlohmann::json o = nlohmann::json::object();
        if (v.shape < d.shapes.size()) {
          const auto& names = d.shapes[v.shape];
          for (uint32_t k = 0; k < v.children.count && k < names.size(); ++k) {
            const bool secret = names[k] == "secret" || names[k] == "password";
            o[names[k]] = secret ? nlohmann::json("<redacted>") : render(v.children.first + k, depth + 1);
          }
        }
        return o;
      }
      default: return nullptr;
    }
  };
  // Parameters are the first registers of the workflow's frame; `locals` names its bindings.
  for (const bytecode::Workflow& w : program->module.workflows) {
    if (w.function != frame.function) continue;
    for (size_t k = 0; k < w.params.size(); ++k) {
      const uint32_t reg = frame.base + static_cast<uint32_t>(k);
      if (reg < f.registers.count) out[w.params[k].name] = render(f.registers.first + reg, 0);
    }
  }
  for (const bytecode::LocalName& l : fn.locals) {
    // A local is bound from `start`, the instruction after its value is stored. A suspended frame
    // whose pc is `start` itself still waits for the effect that gives the value (an effect's
    // answer is stored when it is delivered): not bound yet.
    if (frame.pc <= l.start || frame.pc > l.end) continue;
    const uint32_t reg = frame.base + l.reg;
    if (reg >= f.registers.count) continue;
    out[l.name] = render(f.registers.first + reg, 0);
  }
  return out;
}

}  // namespace

store::Result<std::optional<nlohmann::json>> instance_detail(Context& c, int64_t org, int64_t id) {
  using Answer = store::Result<std::optional<nlohmann::json>>;
  auto found = store::instances::find(c.reads->connection(), org, id);
  if (!found.ok()) return Answer::failure(found.error());
  if (!*found) return std::optional<nlohmann::json>();
  const store::InstanceRow& row = **found;
  auto steps = store::instances::steps(c.reads->connection(), id);
  if (!steps.ok()) return Answer::failure(steps.error());
  auto jobs = store::jobs::of_instance(c.reads->connection(), id);
  if (!jobs.ok()) return Answer::failure(jobs.error());
  nlohmann::json j = instance_json(row);
  j["variables"] = row.status == store::InstanceStatus::Queued ? nlohmann::json::object()
                                                               : variables_of(c, row.definition_id, row.version, store::view(row.continuation));
  j["steps"] = nlohmann::json::array();
  for (const store::StepRow& s : *steps) j["steps"].push_back(step_json(s, *jobs));
  return std::optional<nlohmann::json>(std::move(j));
}

namespace {

// The instance `{id}` names in the caller's organization; nullopt, after answering 404 (or 503),
// when there is none. Only the row is read: the detail is for the answers that show it.
std::optional<int64_t> instance_of(Context& c, const Principal& who, http::Exchange& x, std::string_view key) {
  if (auto id = parse_id(key)) {
    auto found = store::instances::find(c.reads->connection(), who.org_id, *id);
    if (!read_ok(x, found)) return std::nullopt;
    if (*found) return id;
  }
  reply_error(x, 404, "not_found", fmt::format("no instance {}", key));
  return std::nullopt;
}

// Answers the instance's detail once an operation on it has committed.
engine::Done answer_detail(Context& c, ExchangePtr x, int64_t org, int64_t id) {
  return [&c, x = std::move(x), org, id](bool ok, const std::string& error) {
    if (!ok) return reply_not_stored(*x, error);
    auto detail = instance_detail(c, org, id);
    if (!read_ok(*x, detail)) return;
    reply_json(*x, 200, detail->value_or(nlohmann::json()));
  };
}

// An operator's operation on the instance `{id}` (cancel, pause, resume, retry), answered with
// the instance's detail once it has committed.
void operate(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p,
             engine::OpResult (engine::Engine::*operation)(int64_t, int64_t, engine::Done)) {
  const auto id = instance_of(c, who, *x, p["id"]);
  if (!id) return;
  auto body = body_object(r, *x);
  if (!body) return;
  reply_refusal(*x, (c.engine->*operation)(who.org_id, *id, answer_detail(c, x, who.org_id, *id)));
}

}  // namespace

void list_instances(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  store::Paging page;
  if (!keyset_paging(r, *x, page)) return;
  store::InstanceFilter filter;
  auto status = name_filter<store::InstanceStatus>(r, *x, "status");
  auto trigger = name_filter<store::Trigger>(r, *x, "trigger");
  if (!status || !trigger) return;
  filter.status = *status;
  filter.trigger = *trigger;
  filter.workflow = r.query_param("workflow").value_or("");
  c.reads->read([&](store::Database& db) { return store::instances::list(db, who.org_id, filter, page); },
                [&](const store::Result<store::Page<store::InstanceRow>>& page) {
                  reply_page(*x, page, [&](const store::InstanceRow& row) { return instance_summary_json(row); });
                });
}

void get_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  store::Result<std::optional<nlohmann::json>> detail = std::optional<nlohmann::json>();
  if (auto id = parse_id(p["id"])) detail = instance_detail(c, who.org_id, *id);
  if (!read_ok(*x, detail)) return;
  if (!*detail) return reply_error(*x, 404, "not_found", fmt::format("no instance {}", p["id"]));
  reply_json(*x, 200, **detail);
}

void instance_events(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const auto id = instance_of(c, who, *x, p["id"]);
  if (!id) return;
  return events_api(c, who, r, x, *id);
}

void instance_log(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const auto id = instance_of(c, who, *x, p["id"]);
  if (!id) return;
  int64_t after = 0;
  if (auto a = r.query_param("after")) {
    auto v = parse_id(*a);
    if (!v && *a != "0") return reply_error(*x, 400, "bad_request", "`after` must be a log sequence number");
    after = v.value_or(0);
  }
  c.reads->read([&](store::Database& db) { return store::instances::log(db, *id, after); },
                [&](const store::Result<std::vector<store::LogRow>>& log) {
                  if (!read_ok(*x, log)) return;
                  nlohmann::json items = nlohmann::json::array();
                  for (const store::LogRow& l : *log) items.push_back(log_json(l));
                  reply_json(*x, 200, {{"items", items}});
                });
}

void cancel_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  operate(c, who, r, std::move(x), p, &engine::Engine::cancel);
}

void pause_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  operate(c, who, r, std::move(x), p, &engine::Engine::pause);
}

void resume_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  operate(c, who, r, std::move(x), p, &engine::Engine::resume);
}

void retry_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  operate(c, who, r, std::move(x), p, &engine::Engine::retry);
}

void signal_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const auto id = instance_of(c, who, *x, p["id"]);
  if (!id) return;
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto event = f.string("event", true);
  if (!f.ok(*x)) return;
  const std::string payload = body->contains("payload") ? (*body)["payload"].dump() : "null";
  // Delivered to a `wait event` now, or kept until the instance waits for it (docs/api.md).
  auto delivered = std::make_shared<bool>(false);
  const engine::OpResult result =
      c.engine->signal(who.org_id, *id, *event, payload, *delivered, [x, delivered](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        nlohmann::json answer = {{"delivered", *delivered}};
        if (!*delivered) answer["kept"] = true;
        reply_json(*x, 200, answer);
      });
  reply_refusal(*x, result);
}

}  // namespace wf::service

// Instances (SPEC §4.1): list, detail (steps, variables, result), the operator's operations, the
// execution log and signals for `wait event`.
#include <fmt/format.h>

#include "runtime/service/routes.h"
#include "vm/continuation.h"
#include "vm/render.h"

namespace wf::service {

namespace {

nlohmann::json json_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json(text) : j;
}

// The workflow's top-level bindings from the continuation (SPEC §4.1): the parameters and the
// named locals of the main fiber's outermost frame that are live at its current instruction. Credentials show only
// their identity.
nlohmann::json variables_of(Context& c, int64_t definition_id, int64_t version, std::string_view bytes) {
  nlohmann::json out = nlohmann::json::object();
  if (bytes.empty()) return out;
  auto program = c.programs->get(definition_id, version);
  if (!program) return out;
  vm::ContinuationDecodeResult decoded =
      vm::decode_continuation(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
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
      case vm::ValueKind::Credential: return "<credential>";
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
    if (frame.pc < l.start || frame.pc > l.end) continue;
    const uint32_t reg = frame.base + l.reg;
    if (reg >= f.registers.count) continue;
    out[l.name] = render(f.registers.first + reg, 0);
  }
  return out;
}

}  // namespace

nlohmann::json instance_detail(Context& c, int64_t id) {
  auto& q = c.reader->prepare(
      "SELECT id, workflow, definition_id, version, module_hash, status, pause_reason, params, targets, created_at, "
      "scheduled_at, started_at, ended_at, result, error, error_message, continuation, parent_id FROM instances WHERE id = ?1");
  q.bind(1, id);
  if (!q.step()) {
    q.reset();
    return nullptr;
  }
  nlohmann::json j = {{"id", q.column_int64(0)},
                      {"workflow", q.column_text(1)},
                      {"definition_id", q.column_int64(2)},
                      {"version", q.column_int64(3)},
                      {"module_hash", q.column_text(4)},
                      {"status", q.column_text(5)},
                      {"pause_reason", q.column_is_null(6) ? nlohmann::json() : nlohmann::json(q.column_text(6))},
                      {"params", json_or_null(q.column_text(7))},
                      {"targets", json_or_null(q.column_text(8))},
                      {"created_at", format_time(q.column_int64(9))},
                      {"scheduled_at", time_or_null(q, 10)},
                      {"started_at", time_or_null(q, 11)},
                      {"ended_at", time_or_null(q, 12)},
                      {"result", json_or_null(q.column_text(13))},
                      {"error", json_or_null(q.column_text(14))},
                      {"error_message", q.column_is_null(15) ? nlohmann::json() : nlohmann::json(q.column_text(15))},
                      {"parent_id", q.column_is_null(17) ? nlohmann::json() : nlohmann::json(q.column_int64(17))}};
  const int64_t definition = q.column_int64(2), version = q.column_int64(3);
  const std::string status = q.column_text(5);
  const std::string continuation(q.column_blob(16));
  q.reset();
  j["variables"] = status == "queued" ? nlohmann::json::object() : variables_of(c, definition, version, continuation);
  nlohmann::json steps = nlohmann::json::array();
  auto& s = c.reader->prepare(
      "SELECT idx, kind, name, status, started_at, ended_at, effect_seq FROM steps WHERE instance_id = ?1 ORDER BY idx");
  s.bind(1, id);
  while (s.step()) {
    nlohmann::json step = {{"index", s.column_int64(0)},
                           {"kind", s.column_text(1)},
                           {"name", s.column_text(2)},
                           {"status", s.column_text(3)},
                           {"started_at", format_time(s.column_int64(4))},
                           {"ended_at", time_or_null(s, 5)},
                           {"duration_ms", s.column_is_null(5) ? nlohmann::json() : nlohmann::json(s.column_int64(5) - s.column_int64(4))},
                           {"jobs", nlohmann::json::array()}};
    if (!s.column_is_null(6)) step["effect_seq"] = s.column_int64(6);
    steps.push_back(std::move(step));
  }
  s.reset();
  auto& jq = c.reader->prepare("SELECT id, effect_seq FROM jobs WHERE instance_id = ?1 ORDER BY id");
  jq.bind(1, id);
  while (jq.step()) {
    const int64_t job = jq.column_int64(0), seq = jq.column_int64(1);
    for (auto& step : steps)
      if (step.contains("effect_seq") && step["effect_seq"] == seq) step["jobs"].push_back(job);
  }
  jq.reset();
  j["steps"] = std::move(steps);
  return j;
}

namespace {

// The instance `{id}` names, with its detail in `detail`; nullopt, after answering 404, when there
// is none.
std::optional<int64_t> instance_of(Context& c, http::Exchange& x, std::string_view key, nlohmann::json& detail) {
  auto id = parse_id(key);
  detail = id ? instance_detail(c, *id) : nlohmann::json();
  if (detail.is_null()) {
    reply_error(x, 404, "not_found", fmt::format("no instance {}", key));
    return std::nullopt;
  }
  return id;
}

// An operator's operation on the instance `{id}` (cancel, pause, resume, retry), answered with
// the instance's detail once it has committed.
void operate(Context& c, http::Request& r, ExchangePtr x, const PathParams& p,
             engine::OpResult (engine::Engine::*operation)(int64_t, engine::Done)) {
  nlohmann::json detail;
  const auto id = instance_of(c, *x, p["id"], detail);
  if (!id) return;
  auto body = body_object(r, *x);
  if (!body) return;
  auto answer = [&c, x, id = *id](bool ok, const std::string& error) {
    if (!ok) return reply_error(*x, 500, "internal", error);
    reply_json(*x, 200, instance_detail(c, id));
  };
  reply_refusal(*x, (c.engine->*operation)(*id, answer));
}

}  // namespace

void list_instances(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  const auto status = status_filter(r, *x, {"queued", "running", "paused", "completed", "failed", "cancelled", "timeout"});
  if (!status) return;
  const std::string workflow = r.query_param("workflow").value_or("");
  auto& q = c.reader->prepare(
      "SELECT id, workflow, definition_id, version, status, pause_reason, created_at, started_at, ended_at, error_message, "
      "COUNT(*) OVER () FROM instances WHERE org_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = '' OR workflow = ?3) "
      "ORDER BY id DESC LIMIT ?4 OFFSET ?5");
  q.bind(1, who.org_id).bind(2, std::string_view(*status)).bind(3, std::string_view(workflow)).bind(4, limit).bind(5, skip);
  nlohmann::json items = nlohmann::json::array();
  int64_t total = 0;
  while (q.step()) {
    items.push_back({{"id", q.column_int64(0)},
                     {"workflow", q.column_text(1)},
                     {"definition_id", q.column_int64(2)},
                     {"version", q.column_int64(3)},
                     {"status", q.column_text(4)},
                     {"pause_reason", q.column_is_null(5) ? nlohmann::json() : nlohmann::json(q.column_text(5))},
                     {"created_at", format_time(q.column_int64(6))},
                     {"started_at", time_or_null(q, 7)},
                     {"ended_at", time_or_null(q, 8)},
                     {"error_message", q.column_is_null(9) ? nlohmann::json() : nlohmann::json(q.column_text(9))}});
    total = q.column_int64(10);
  }
  q.reset();
  if (items.empty() && skip > 0) {
    auto& t = c.reader->prepare(
        "SELECT COUNT(*) FROM instances WHERE org_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = '' OR workflow = ?3)");
    t.bind(1, who.org_id).bind(2, std::string_view(*status)).bind(3, std::string_view(workflow));
    total = t.step() ? t.column_int64(0) : 0;
    t.reset();
  }
  return reply_json(*x, 200, {{"items", items}, {"total", total}});
}

void get_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json detail;
  if (!instance_of(c, *x, p["id"], detail)) return;
  return reply_json(*x, 200, detail);
}

void instance_events(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json detail;
  const auto id = instance_of(c, *x, p["id"], detail);
  if (!id) return;
  return events_api(c, who, r, x, *id);
}

void instance_log(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json detail;
  const auto id = instance_of(c, *x, p["id"], detail);
  if (!id) return;
  int64_t after = 0;
  if (auto a = r.query_param("after")) {
    auto v = parse_id(*a);
    if (!v && *a != "0") return reply_error(*x, 400, "bad_request", "`after` must be a log sequence number");
    after = v.value_or(0);
  }
  auto& q = c.reader->prepare("SELECT seq, at, kind, message, data FROM instance_log WHERE instance_id = ?1 AND seq > ?2 ORDER BY seq");
  q.bind(1, *id).bind(2, after);
  nlohmann::json items = nlohmann::json::array();
  while (q.step())
    items.push_back({{"seq", q.column_int64(0)},
                     {"at", format_time(q.column_int64(1))},
                     {"kind", q.column_text(2)},
                     {"message", q.column_text(3)},
                     {"data", json_or_null(q.column_text(4))}});
  q.reset();
  return reply_json(*x, 200, {{"items", items}});
}

void cancel_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  operate(c, r, std::move(x), p, &engine::Engine::cancel);
}

void pause_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  operate(c, r, std::move(x), p, &engine::Engine::pause);
}

void resume_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  operate(c, r, std::move(x), p, &engine::Engine::resume);
}

void retry_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  operate(c, r, std::move(x), p, &engine::Engine::retry);
}

void signal_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json detail;
  const auto id = instance_of(c, *x, p["id"], detail);
  if (!id) return;
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto event = f.string("event", true);
  if (!f.ok(*x)) return;
  const std::string payload = body->contains("payload") ? (*body)["payload"].dump() : "null";
  const engine::OpResult result = c.engine->signal(*id, *event, payload, [x](bool ok, const std::string& error) {
    if (!ok) return reply_error(*x, 500, "internal", error);
    reply_json(*x, 200, {{"delivered", true}});
  });
  reply_refusal(*x, result);
}

}  // namespace wf::service

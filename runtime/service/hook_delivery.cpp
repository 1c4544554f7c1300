// A delivery to a hook, `POST /hooks/{key}` (docs/operations.md "Hooks"): the hook authenticates
// its sender (a signature over the raw body, or a bearer token), the durable replay memory refuses
// what it has seen, and the body starts a workflow, delivers an event, or starts one instance per
// firing alert. Every delivery the hook's key finds is recorded, whatever its outcome, before it
// is answered.
#include <fmt/format.h>

#include "bytecode/module.h"
#include "effects/clock.h"
#include "runtime/log/log.h"
#include "runtime/service/auth.h"
#include "runtime/service/hook_signature.h"
#include "runtime/service/hook_targets.h"
#include "runtime/service/request_fields.h"
#include "runtime/service/routes.h"
#include "runtime/service/run_binding.h"
#include "runtime/store/definitions.h"
#include "runtime/store/hooks.h"
#include "runtime/store/instances.h"

namespace wf::service {

namespace {

// How long a signature or webhook-id is remembered: twice the window in which its time is
// accepted, so one that could still pass the time check is always remembered.
constexpr int64_t kReplayMemoryMs = 2 * hook_signature::kToleranceSeconds * 1000;

// What is known of a delivery so far; what the record says once it is answered.
struct Delivery {
  store::HookDeliveryRow row;
  std::optional<store::HookOutcome> outcome;  // set by a success (started, delivered, suppressed, duplicate)
  nlohmann::json detail;                      // what the record says beyond the answer's message
  std::vector<std::pair<std::string, int64_t>> alerts_started;  // (fingerprint, instance)
};

// An exchange that records its delivery before passing the answer on: whatever answers (this
// file, the run binding's 400, a 503), the record is written first, so the sender that has its
// answer finds its delivery listed.
class RecordingExchange final : public http::Exchange {
 public:
  RecordingExchange(Context& c, ExchangePtr inner, std::shared_ptr<Delivery> delivery)
      : c_(c), inner_(std::move(inner)), delivery_(std::move(delivery)) {}

  void respond(http::Response r) override {
    if (answered_) return;
    answered_ = true;
    Delivery& d = *delivery_;
    d.row.status = r.status;
    d.row.outcome = d.outcome.value_or(outcome_of(r.status));
    nlohmann::json detail = d.detail.is_null() ? nlohmann::json::object() : d.detail;
    if (r.status >= 400) {
      auto body = nlohmann::json::parse(r.body, nullptr, false);
      if (body.is_object() && body.contains("error") && body["error"].is_object() && body["error"].contains("message"))
        detail["error"] = body["error"]["message"];
    }
    d.row.detail = detail.empty() ? "" : detail.dump();
    c_.writer->submit(
        [delivery = delivery_](store::Database& db, std::string& error) {
          for (const auto& [fingerprint, instance] : delivery->alerts_started)
            if (!store::hooks::set_alert_instance(db, delivery->row.hook_id, fingerprint, instance, delivery->row.received_at,
                                                  error))
              return false;
          return store::hooks::record_delivery(db, delivery->row, error);
        },
        [&c = c_, delivery = delivery_, inner = inner_, r = std::move(r)](bool ok, const std::string& error) mutable {
          // The delivery happened whether or not its record could be written: the answer says
          // what happened, and stderr says the record is missing.
          if (!ok) log::error(fmt::format("a hook delivery was not recorded: {}", error));
          // The store answers for these fingerprints from now on (or, not written, the
          // instances' own ends do: a fingerprint whose instance ended may start again).
          for (const auto& [fingerprint, instance] : delivery->alerts_started) {
            auto it = c.alerts_starting.find({delivery->row.hook_id, fingerprint});
            if (it != c.alerts_starting.end() && it->second == instance) c.alerts_starting.erase(it);
          }
          inner->respond(std::move(r));
        });
  }
  void start_stream(int status, http::HeaderList headers) override { inner_->start_stream(status, std::move(headers)); }
  bool send(std::string_view piece) override { return inner_->send(piece); }
  void end() override { inner_->end(); }
  bool closed() const override { return answered_ || inner_->closed(); }
  void on_close(std::function<void()> f) override { inner_->on_close(std::move(f)); }

 private:
  static store::HookOutcome outcome_of(int status) {
    if (status >= 500) return store::HookOutcome::Failed;
    if (status == 409) return store::HookOutcome::Duplicate;
    return store::HookOutcome::Rejected;
  }
  Context& c_;
  ExchangePtr inner_;
  std::shared_ptr<Delivery> delivery_;
  bool answered_ = false;
};

// Whether the sender is the hook's: 401 (audited by the router) when not.
bool authenticated(Context& c, const store::HookRow& hook, const http::Request& r, http::Exchange& x, Delivery& d, int64_t now) {
  if (hook.auth == store::HookAuth::Bearer) {
    const std::string_view auth = r.header("authorization");
    if (auth.size() <= 7 || auth.substr(0, 7) != "Bearer ") {
      reply_error(x, 401, "unauthorized", "this hook takes `Authorization: Bearer <the hook's token>`");
      return false;
    }
    if (!same_secret(token_hash(auth.substr(7)), hook.bearer_hash)) {
      reply_error(x, 401, "unauthorized", "the bearer token is not this hook's");
      return false;
    }
    return true;
  }
  auto secrets = store::hooks::secrets(c.reads->connection(), hook.id);
  if (!read_ok(x, secrets)) return false;
  std::vector<std::string> active;
  for (const store::HookSecretRow& s : *secrets)
    if (s.active(now)) active.push_back(s.secret);
  hook_signature::Headers h;
  h.wf_signature = r.header("x-wf-signature");
  h.webhook_id = r.header("webhook-id");
  h.webhook_timestamp = r.header("webhook-timestamp");
  h.webhook_signature = r.header("webhook-signature");
  const hook_signature::Check check = hook_signature::verify(h, r.body, active, now / 1000);
  if (check.verdict != hook_signature::Verdict::Valid) {
    reply_error(x, 401, "unauthorized", check.reason);
    return false;
  }
  d.row.signature = check.replay_key;
  return true;
}

// The program a start or alert hook runs: its definition's running version. Answers (404, 409,
// 503) and returns null when there is none to run.
struct Runnable {
  int64_t definition_id = 0, version = 0;
  std::shared_ptr<const vm::Program> program;
  uint32_t index = 0;
};
std::optional<Runnable> runnable(Context& c, const store::HookRow& hook, http::Exchange& x) {
  auto id = store::definitions::find_id(c.reads->connection(), hook.org_id, hook.workflow);
  if (!read_ok(x, id)) return std::nullopt;
  if (!*id) {
    reply_error(x, 404, "not_found", fmt::format("the hook's workflow `{}` is no longer defined", hook.workflow));
    return std::nullopt;
  }
  auto definition = store::definitions::find(c.reads->connection(), hook.org_id, **id);
  if (!read_ok(x, definition)) return std::nullopt;
  Runnable out;
  out.definition_id = **id;
  out.version = *definition ? store::definitions::running_version(**definition).value_or(0) : 0;
  out.program = out.version ? c.programs->get(out.definition_id, out.version) : nullptr;
  if (!out.program) {
    reply_error(x, 404, "not_found", fmt::format("the hook's workflow `{}` has no version to run", hook.workflow));
    return std::nullopt;
  }
  if (!(*definition)->active) {
    reply_error(x, 409, "inactive", fmt::format("definition `{}` is inactive: a hook does not start it", hook.workflow));
    return std::nullopt;
  }
  out.index = bytecode::find_workflow(out.program->module, (*definition)->name).value_or(0);
  return out;
}

// The start of an instance of `run` with `params` by `trigger`, not yet made: bind_run answers 400
// naming a parameter that does not bind.
std::optional<engine::StartRequest> start_request(Context& c, const store::HookRow& hook, http::Exchange& x, const Runnable& run,
                                                  const nlohmann::json& params, engine::Trigger trigger) {
  Principal as;
  as.org_id = hook.org_id;
  engine::StartRequest start;
  nlohmann::json bound, targets;
  if (!bind_run(c, as, x, run.program, run.index, {{"params", params}}, start.args, bound, targets)) return std::nullopt;
  start.org_id = hook.org_id;
  start.definition_id = run.definition_id;
  start.version = run.version;
  start.program = run.program;
  start.workflow_index = run.index;
  start.params_json = bound.dump();
  start.targets_json = targets.dump();
  start.trigger = trigger;
  return start;
}

void start_workflow(Context& c, const store::HookRow& hook, const nlohmann::json& body, ExchangePtr x, std::shared_ptr<Delivery> d) {
  auto run = runnable(c, hook, *x);
  if (!run) return;
  const nlohmann::json map = nlohmann::json::parse(hook.param_map, nullptr, false);
  const nlohmann::json params = mapped_params(run->program->module.workflows[run->index], body, map);
  auto start = start_request(c, hook, *x, *run, params, engine::Trigger::Webhook);
  if (!start) return;
  const int64_t id = c.engine->start(std::move(*start), [x, d](bool ok, const std::string& error) {
    if (!ok) return reply_not_stored(*x, error);
    d->outcome = store::HookOutcome::Started;
    reply_json(*x, 202, {{"instance_id", *d->row.instance_id}});
  });
  d->row.instance_id = id;
}

void deliver_event(Context& c, const store::HookRow& hook, const nlohmann::json& body, ExchangePtr x, std::shared_ptr<Delivery> d) {
  const auto id = instance_at(body, hook.instance_pointer);
  if (!id)
    return reply_error(*x, 400, "bad_request",
                       fmt::format("the body has no instance id (a positive integer) at `{}`", hook.instance_pointer));
  // An id that names no instance of the hook's organization is 404; the engine says 409 of one
  // that has ended.
  auto exists = store::instances::find(c.reads->connection(), hook.org_id, *id);
  if (!read_ok(*x, exists)) return;
  if (!*exists) return reply_error(*x, 404, "not_found", fmt::format("no instance {}", *id));
  d->row.instance_id = *id;
  auto delivered = std::make_shared<bool>(false);
  const engine::OpResult result =
      c.engine->signal(hook.org_id, *id, hook.event, body.dump(), *delivered, [x, d, delivered](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        d->outcome = store::HookOutcome::Delivered;
        nlohmann::json answer = {{"delivered", *delivered}, {"instance_id", *d->row.instance_id}};
        if (!*delivered) answer["kept"] = true;
        d->detail["delivered"] = *delivered;
        reply_json(*x, 202, answer);
      });
  reply_refusal(*x, result);
}

// One instance per firing alert whose fingerprint has no live instance of this hook.
void start_alerts(Context& c, const store::HookRow& hook, const nlohmann::json& body, ExchangePtr x, std::shared_ptr<Delivery> d) {
  std::string error;
  const auto alerts = firing_alerts(body, error);
  if (!alerts) return reply_error(*x, 400, "bad_request", error);
  auto run = runnable(c, hook, *x);
  if (!run) return;
  const nlohmann::json map = nlohmann::json::parse(hook.param_map, nullptr, false);
  const bytecode::Workflow& w = run->program->module.workflows[run->index];
  // Every alert is bound before any starts, so a payload that does not bind starts nothing.
  std::vector<std::pair<std::string, engine::StartRequest>> starts;
  nlohmann::json deduplicated = nlohmann::json::array();
  std::set<std::string> seen;
  for (const nlohmann::json& alert : *alerts) {
    const std::string fingerprint = alert_fingerprint(alert);
    if (!seen.insert(fingerprint).second) continue;
    std::optional<int64_t> last;
    if (auto starting = c.alerts_starting.find({hook.id, fingerprint}); starting != c.alerts_starting.end()) {
      last = starting->second;
    } else {
      auto stored = store::hooks::alert_instance(c.reads->connection(), hook.id, fingerprint);
      if (!read_ok(*x, stored)) return;
      last = *stored;
    }
    if (last && !c.engine->status_of(*last).status.empty()) {
      deduplicated.push_back({{"fingerprint", fingerprint}, {"instance_id", *last}});
      continue;
    }
    auto start = start_request(c, hook, *x, *run, alert_params(w, alert, map), engine::Trigger::Alert);
    if (!start) return;
    starts.emplace_back(fingerprint, std::move(*start));
  }
  auto pending = std::make_shared<size_t>(starts.size());
  auto failed = std::make_shared<std::string>();
  auto started = std::make_shared<nlohmann::json>(nlohmann::json::array());
  d->outcome = starts.empty() ? store::HookOutcome::Duplicate : store::HookOutcome::Started;
  d->detail = {{"started", nlohmann::json::array()}, {"deduplicated", deduplicated}};
  auto answer = [x, d, started, deduplicated, failed] {
    if (!failed->empty()) {
      d->outcome.reset();
      return reply_not_stored(*x, *failed);
    }
    d->detail["started"] = *started;
    reply_json(*x, 202, {{"started", *started}, {"deduplicated", deduplicated}});
  };
  if (starts.empty()) return answer();
  for (auto& [fingerprint, start] : starts) {
    auto entry = std::make_shared<nlohmann::json>(nlohmann::json{{"fingerprint", fingerprint}});
    const int64_t id = c.engine->start(std::move(start), [pending, failed, answer, entry, started](bool ok, const std::string& error) {
      if (!ok && failed->empty()) *failed = error;
      if (ok) started->push_back(*entry);
      if (--*pending == 0) answer();
    });
    (*entry)["instance_id"] = id;
    d->alerts_started.emplace_back(fingerprint, id);
    c.alerts_starting[{hook.id, fingerprint}] = id;
    if (!d->row.instance_id) d->row.instance_id = id;
  }
}

}  // namespace

void deliver_hook(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto found = store::hooks::by_key(c.reads->connection(), p["key"]);
  if (!read_ok(*x, found)) return;
  if (!*found || (*found)->disabled_at) return reply_error(*x, 404, "not_found", "no such hook");
  const store::HookRow hook = **found;
  const int64_t now = effects::wall_clock_ms();
  auto d = std::make_shared<Delivery>();
  d->row.hook_id = hook.id;
  d->row.received_at = now;
  ExchangePtr recorded = std::make_shared<RecordingExchange>(c, std::move(x), d);
  if (!authenticated(c, hook, r, *recorded, *d, now)) return;
  // The API's reading of a body (its depth bounded); an empty one, which the API takes for `{}`,
  // is no delivery.
  if (r.body.empty()) return reply_error(*recorded, 400, "bad_request", "the body must be a JSON object");
  auto parsed = body_object(r, *recorded);
  if (!parsed) return;
  auto go = [&c, hook, body = std::move(*parsed), recorded, d] {
    // The kill switch (SPEC §4.6): a delivery while the organization's automation is paused
    // starts nothing (nor delivers an event) and says so.
    if (c.engine->automation_paused(hook.org_id)) {
      d->outcome = store::HookOutcome::Suppressed;
      return reply_json(*recorded, 202, {{"suppressed", true}});
    }
    switch (hook.target) {
      case store::HookTarget::Start: return start_workflow(c, hook, body, recorded, d);
      case store::HookTarget::Event: return deliver_event(c, hook, body, recorded, d);
      case store::HookTarget::Alert: return start_alerts(c, hook, body, recorded, d);
    }
  };
  if (d->row.signature.empty()) return go();
  // The replay memory, in the store so that a restart does not forget it.
  auto fresh = std::make_shared<bool>(false);
  c.writer->submit(
      [id = hook.id, key = d->row.signature, now, fresh](store::Database& db, std::string& error) {
        return store::hooks::remember_signature(db, id, key, now, now - kReplayMemoryMs, *fresh, error);
      },
      [recorded, fresh, go = std::move(go)](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*recorded, error);
        if (!*fresh)
          return reply_error(*recorded, 409, "conflict", "this signature (or webhook-id) was delivered already: a replay is refused");
        go();
      });
}

}  // namespace wf::service

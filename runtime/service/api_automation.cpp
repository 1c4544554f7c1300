// The kill switch of an organization (SPEC §4.6): pause its automation with a reason, resume it,
// and say where it stands. Only the caller's own organization: another's id is not found.
#include <fmt/format.h>

#include "runtime/service/routes.h"

namespace wf::service {

namespace {

// A reason is a sentence for the people who see the switch, not a document.
constexpr size_t kMaxReason = 1000;

// The caller's organization when `{id}` names it; answers 404 otherwise.
std::optional<int64_t> own_org(const Principal& who, http::Exchange& x, const PathParams& p) {
  const std::optional<int64_t> id = parse_id(p["id"]);
  if (!id || *id != who.org_id) {
    reply_error(x, 404, "not_found", fmt::format("no organization {}", p["id"]));
    return std::nullopt;
  }
  return id;
}

nlohmann::json status_json(const engine::Engine& engine, int64_t org) {
  const std::optional<store::AutomationSwitchRow> s = engine.automation_switch(org);
  nlohmann::json j = {{"org_id", org}, {"paused", engine.automation_paused(org)}};
  if (s && s->paused) {
    j["by"] = s->changed_by;
    j["since"] = format_time(s->changed_at);
    j["reason"] = s->reason;
  } else if (s) {
    j["resumed_by"] = s->changed_by;
    j["resumed_at"] = format_time(s->changed_at);
  }
  return j;
}

void flip(Context& c, const Principal& who, ExchangePtr x, int64_t org, bool paused, const std::string& reason) {
  engine::Engine* engine = c.engine;
  reply_refusal(*x, engine->set_automation(org, paused, who.user, reason,
                                           reply_after_commit(x, 200, [engine, org] { return status_json(*engine, org); })));
}

}  // namespace

void automation_status(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const auto org = own_org(who, *x, p);
  if (!org) return;
  reply_json(*x, 200, status_json(*c.engine, *org));
}

void pause_automation(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const auto org = own_org(who, *x, p);
  if (!org) return;
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto reason = f.string("reason", true);
  if (!f.ok(*x)) return;
  if (reason->find_first_not_of(" \t\r\n") == std::string::npos)
    return reply_error(*x, 400, "bad_request", "`reason` must say why automation is paused");
  if (reason->size() > kMaxReason)
    return reply_error(*x, 400, "bad_request", fmt::format("`reason` must be at most {} bytes", kMaxReason));
  flip(c, who, std::move(x), *org, true, *reason);
}

void resume_automation(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const auto org = own_org(who, *x, p);
  if (!org) return;
  auto body = body_object(r, *x);
  if (!body) return;
  flip(c, who, std::move(x), *org, false, "");
}

}  // namespace wf::service

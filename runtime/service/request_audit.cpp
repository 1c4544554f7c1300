// Recording the requests of the audit log (see request_audit.h).
#include "runtime/service/request_audit.h"

#include <fmt/format.h>

#include "effects/clock.h"
#include "runtime/log/log.h"

namespace wf::service {

namespace {

constexpr size_t kDetailLimit = 200;

// The first segment of a route's template: "/instances/{id}/cancel" → "instances".
std::string_view first_segment(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return path.substr(0, path.find('/'));
}

// What the row says of the answer beyond its status. A refusal's message is the router's or a
// handler's own sentence and says why; other errors give only their code, since a message may
// repeat what the request sent. A body is never kept.
std::string detail_of(store::AuditOutcome outcome, std::string_view body) {
  if (outcome == store::AuditOutcome::Ok) return "";
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return "";
  const nlohmann::json& e = j["error"];
  const char* field = outcome == store::AuditOutcome::Denied ? "message" : "code";
  if (!e.contains(field) || !e[field].is_string()) return "";
  std::string text = e[field].get<std::string>();
  if (text.size() > kDetailLimit) text = text.substr(0, kDetailLimit) + "...";
  return text;
}

// The id a 201 answers with, when its JSON has a top-level `id`.
std::string created_id(std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("id")) return "";
  const nlohmann::json& id = j["id"];
  if (id.is_number_integer()) return std::to_string(id.get<int64_t>());
  if (id.is_string()) return id.get<std::string>();
  return "";
}

void record(store::Writer& writer, AuditDraft& draft, const ObservedExchange::Answer& answer) {
  store::AuditRow& row = draft.row;
  row.at = effects::wall_clock_ms();
  row.status = answer.status;
  row.outcome = audit_outcome(answer.status);
  if (draft.route->auth == AuthPolicy::Enrollment) row.action = "agent.register";
  else if (answer.status == 401) row.action = "authenticate";
  else row.action = draft.route->permission;
  if (row.resource_id.empty() && answer.status == 201) row.resource_id = created_id(answer.body);
  row.detail = detail_of(row.outcome, answer.body);
  writer.submit([row](store::Database& db, std::string& error) { return store::audit::append(db, row, error); },
                [request = row.request_id, method = row.method, path = row.path, status = row.status](bool ok, const std::string& error) {
                  if (!ok)
                    log::error(fmt::format("the audit row of request {} ({} {}, {}) was not stored: {}", request, method,
                               path, status, error));
                });
}

}  // namespace

void AuditDraft::by(const Principal& who) {
  row.org_id = who.org_id;
  row.actor = who.actor();
  switch (who.kind) {
    case Principal::Kind::User: row.actor_kind = store::ActorKind::User; break;
    case Principal::Kind::Agent: row.actor_kind = store::ActorKind::Agent; break;
    case Principal::Kind::Anonymous: row.actor_kind = store::ActorKind::Anonymous; break;
  }
  if (who.token_id) row.token_id = who.token_id;
  else row.token_id.reset();
}

bool audited(const Route& route, std::string_view method, int status) {
  if (status == 401 || status == 403) return true;
  if (method == "GET" || method == "HEAD") return false;
  return route.auth == AuthPolicy::User || route.auth == AuthPolicy::Enrollment;
}

store::AuditOutcome audit_outcome(int status) {
  if (status == 401 || status == 403) return store::AuditOutcome::Denied;
  if (status >= 200 && status < 400) return store::AuditOutcome::Ok;
  return store::AuditOutcome::Error;
}

std::string client_address(std::string_view peer) {
  if (peer.starts_with('[')) {
    const size_t end = peer.find(']');
    return std::string(end == std::string_view::npos ? peer : peer.substr(1, end - 1));
  }
  const size_t colon = peer.rfind(':');
  return std::string(colon == std::string_view::npos ? peer : peer.substr(0, colon));
}

void audit_request(Context& c, ObservedExchange& x, const Route& route, const PathParams& params, const http::Request& r) {
  if (!c.writer) return;
  auto draft = std::make_shared<AuditDraft>();
  draft->route = &route;
  store::AuditRow& row = draft->row;
  row.org_id = c.org_id;
  row.method = r.method;
  row.path = route.path;
  row.resource = first_segment(route.path);
  row.resource_id = params["id"];
  row.client = client_address(r.peer);
  row.request_id = x.request_id();
  x.audit = draft;
  // The draft is held by the exchange and by its observer; the writer outlives every answer.
  x.observe([writer = c.writer, draft, method = r.method](const ObservedExchange::Answer& answer) {
    if (audited(*draft->route, method, answer.status)) record(*writer, *draft, answer);
  });
}

void audit_registration(http::Exchange& x, int64_t org, std::string_view host) {
  AuditDraft* draft = audit_draft(x);
  if (!draft) return;
  draft->row.org_id = org;
  draft->row.actor_kind = store::ActorKind::Agent;
  draft->row.actor = fmt::format("agent:{}", host);
  draft->row.resource_id = host;
}

}  // namespace wf::service

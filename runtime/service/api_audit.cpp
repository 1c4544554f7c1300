// The audit log's endpoint (SPEC §4.7, docs/api.md "Audit log"): the organization's rows, newest
// first, filtered by actor, action, resource, outcome and time, and paged by id.
#include "runtime/service/routes.h"
#include "runtime/store/audit.h"

namespace wf::service {

namespace {

nlohmann::json audit_json(const store::AuditRow& a) {
  return {{"id", a.id},
          {"at", format_time(a.at)},
          {"org", a.org_id},
          {"actor_kind", store::name(a.actor_kind)},
          {"actor", a.actor},
          {"token_id", a.token_id ? nlohmann::json(*a.token_id) : nlohmann::json()},
          {"action", a.action},
          {"method", a.method},
          {"path", a.path},
          {"resource", a.resource},
          {"resource_id", a.resource_id},
          {"outcome", store::name(a.outcome)},
          {"status", a.status},
          {"client", a.client},
          {"request_id", a.request_id},
          {"detail", a.detail}};
}

}  // namespace

void list_audit(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  store::Paging page;
  if (!keyset_paging(r, *x, page)) return;
  store::AuditFilter filter;
  const auto outcome = name_filter<store::AuditOutcome>(r, *x, "outcome");
  if (!outcome) return;
  filter.outcome = *outcome;
  filter.actor = r.query_param("actor").value_or("");
  filter.action = r.query_param("action").value_or("");
  filter.resource = r.query_param("resource").value_or("");
  if (!time_param(r, *x, "since", filter.since_ms)) return;
  c.reads->read([&](store::Database& db) { return store::audit::list(db, who.org_id, filter, page); },
                [&](const store::Result<store::Page<store::AuditRow>>& page) { reply_page(*x, page, audit_json); });
}

}  // namespace wf::service

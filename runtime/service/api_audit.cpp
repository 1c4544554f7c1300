// The audit log's endpoint (SPEC §4.7, docs/api.md "Audit log"): the organization's rows, newest
// first, filtered by actor, action, resource, outcome and time, and paged by id.
#include <algorithm>
#include <cctype>

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

// `since`: milliseconds since the epoch, or an RFC 3339 time.
std::optional<int64_t> since_param(const std::string& text) {
  const bool digits = !text.empty() && text.size() <= 18 &&
                      std::all_of(text.begin(), text.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; });
  return parse_time(digits ? nlohmann::json(std::stoll(text)) : nlohmann::json(text));
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
  if (auto since = r.query_param("since")) {
    filter.since_ms = since_param(*since);
    if (!filter.since_ms)
      return reply_error(*x, 400, "bad_request", "`since` must be an RFC 3339 time or milliseconds since the epoch");
  }
  c.reads->read([&](store::Database& db) { return store::audit::list(db, who.org_id, filter, page); },
                [&](const store::Result<store::Page<store::AuditRow>>& page) { reply_page(*x, page, audit_json); });
}

}  // namespace wf::service

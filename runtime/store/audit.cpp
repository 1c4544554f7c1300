// The audit table's statements and row mapping (see audit.h).
#include "runtime/store/audit.h"

#include <string>
#include <string_view>

namespace wf::store::audit {

namespace {

constexpr const char* kColumns =
    "id, org_id, at, actor_kind, actor, token_id, action, method, path, resource, resource_id, outcome, status, client, "
    "request_id, detail";

// The one mapping of an audit row, from a statement selecting kColumns.
bool read_audit(const Statement& s, AuditRow& a, std::string& error) {
  a.id = s.column_int64(0);
  a.org_id = s.column_int64(1);
  a.at = s.column_int64(2);
  if (!column_enum(s, 3, a.actor_kind, error)) return false;
  a.actor = s.column_text(4);
  a.token_id = optional_int(s, 5);
  a.action = s.column_text(6);
  a.method = s.column_text(7);
  a.path = s.column_text(8);
  a.resource = s.column_text(9);
  a.resource_id = s.column_text(10);
  if (!column_enum(s, 11, a.outcome, error)) return false;
  a.status = s.column_int64(12);
  a.client = s.column_text(13);
  a.request_id = s.column_text(14);
  a.detail = s.column_text(15);
  return true;
}

// Each filter's condition written only when it filters, so that every combination is a plain
// conjunction the organization's index serves (see jobs.cpp).
std::string where(const AuditFilter& f) {
  std::string w = " FROM audit WHERE org_id = ?1";
  if (!f.actor.empty()) w += " AND actor = ?2";
  if (!f.action.empty()) w += " AND action = ?3";
  if (!f.resource.empty()) w += " AND resource = ?4";
  if (!f.outcome.empty()) w += " AND outcome = ?5";
  if (f.since_ms) w += " AND at >= ?6";
  return w;
}

void bind_filter(Statement& s, int64_t org, const AuditFilter& f) {
  s.bind(1, org);
  if (!f.actor.empty()) s.bind(2, std::string_view(f.actor));
  if (!f.action.empty()) s.bind(3, std::string_view(f.action));
  if (!f.resource.empty()) s.bind(4, std::string_view(f.resource));
  if (!f.outcome.empty()) s.bind(5, std::string_view(f.outcome));
  if (f.since_ms) s.bind(6, *f.since_ms);
}

}  // namespace

bool append(Database& db, const AuditRow& a, std::string& error) {
  Query q(db,
          "INSERT INTO audit (org_id, at, actor_kind, actor, token_id, action, method, path, resource, resource_id, outcome, "
          "status, client, request_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  q->bind(1, a.org_id).bind(2, a.at).bind(3, name(a.actor_kind)).bind(4, std::string_view(a.actor));
  bind_optional(*q, 5, a.token_id);
  q->bind(6, std::string_view(a.action))
      .bind(7, std::string_view(a.method))
      .bind(8, std::string_view(a.path))
      .bind(9, std::string_view(a.resource))
      .bind(10, std::string_view(a.resource_id))
      .bind(11, name(a.outcome))
      .bind(12, a.status)
      .bind(13, std::string_view(a.client))
      .bind(14, std::string_view(a.request_id))
      .bind(15, std::string_view(a.detail));
  return run(*q, error);
}

std::string list_sql(const AuditFilter& filter, bool after) {
  return std::string("SELECT ") + kColumns + where(filter) + (after ? " AND id < ?7" : "") + " ORDER BY id DESC LIMIT ?8 OFFSET ?9";
}

std::string count_sql(const AuditFilter& filter) { return "SELECT COUNT(*)" + where(filter); }

Result<Page<AuditRow>> list(Database& db, int64_t org, const AuditFilter& filter, Paging page) {
  return read_keyset_page<AuditRow>(
      db, list_sql(filter, page.after.has_value()), page.count ? count_sql(filter) : "", 7, page,
      [&](Statement& s) { bind_filter(s, org, filter); }, read_audit);
}

}  // namespace wf::store::audit

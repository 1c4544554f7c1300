// The approvals aggregate's statements and row mappings (see approvals.h).
#include "runtime/store/approvals.h"

#include <string>

namespace wf::store::approvals {

namespace {

constexpr const char* kColumns =
    "id, org_id, instance_id, effect_seq, title, quorum, approvers, status, created_at, timeout_at, decided_at";

// The one mapping of an approval row, from a statement selecting kColumns; false with `error`
// for a row the store should never hold.
bool read_approval(const Statement& s, ApprovalRow& a, std::string& error) {
  a.id = s.column_int64(0);
  a.org_id = s.column_int64(1);
  a.instance_id = s.column_int64(2);
  a.effect_seq = static_cast<uint64_t>(s.column_int64(3));
  a.title = s.column_text(4);
  a.quorum = s.column_text(5);
  a.approvers = s.column_text(6);
  if (!column_enum(s, 7, a.status, error)) return false;
  a.created_at = s.column_int64(8);
  a.timeout_at = optional_int(s, 9);
  a.decided_at = optional_int(s, 10);
  return true;
}

}  // namespace

Result<std::optional<ApprovalRow>> of_effect(Database& db, int64_t instance, uint64_t seq) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM approvals WHERE instance_id = ?1 AND effect_seq = ?2");
  q->bind(1, instance).bind(2, static_cast<int64_t>(seq));
  return read_row<ApprovalRow>(q, read_approval);
}

Result<Page<ApprovalRow>> list(Database& db, int64_t org, const std::string& status, int64_t instance, Paging page) {
  constexpr const char* kFilter = " FROM approvals WHERE org_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = 0 OR instance_id = ?3)";
  Query q(db, std::string("SELECT ") + kColumns + kFilter + " ORDER BY id LIMIT ?4 OFFSET ?5");
  q->bind(1, org).bind(2, std::string_view(status)).bind(3, instance).bind(4, page.limit).bind(5, page.skip);
  Query count(db, std::string("SELECT COUNT(*)") + kFilter);
  count->bind(1, org).bind(2, std::string_view(status)).bind(3, instance);
  return read_page<ApprovalRow>(q, count, read_approval);
}

Result<std::optional<ApprovalRow>> find(Database& db, int64_t org, int64_t id) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM approvals WHERE id = ?1 AND org_id = ?2");
  q->bind(1, id).bind(2, org);
  return read_row<ApprovalRow>(q, read_approval);
}

Result<std::vector<ResponseRow>> responses(Database& db, int64_t approval) {
  Query q(db, "SELECT who, decision, note, via, at FROM approval_responses WHERE approval_id = ?1 ORDER BY rowid");
  q->bind(1, approval);
  return read_rows<ResponseRow>(q, [approval](const Statement& s, ResponseRow& r, std::string&) {
    r = {approval, s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3), s.column_int64(4)};
    return true;
  });
}

Result<int64_t> max_id(Database& db) { return read_int(db, "SELECT COALESCE(MAX(id), 0) FROM approvals"); }

}  // namespace wf::store::approvals

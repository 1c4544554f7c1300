// The approvals aggregate's statements and row mappings (see approvals.h).
#include "runtime/store/approvals.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

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

std::string list_sql(bool status, bool instance, bool after) {
  // Oldest first, in id order, which each index keeps for the rows of one key; each filter's
  // condition written only when it filters (see instances.cpp).
  return fmt::format("SELECT {} FROM approvals WHERE org_id = ?1{}{}{} ORDER BY id LIMIT ?5 OFFSET ?6", kColumns,
                     status ? " AND status = ?2" : "", instance ? " AND instance_id = ?3" : "", after ? " AND id > ?4" : "");
}

std::string count_sql(bool status, bool instance) {
  return fmt::format("SELECT COUNT(*) FROM approvals WHERE org_id = ?1{}{}", status ? " AND status = ?2" : "",
                     instance ? " AND instance_id = ?3" : "");
}

Result<Page<ApprovalRow>> list(Database& db, int64_t org, const std::string& status, int64_t instance, Paging page) {
  const bool by_status = !status.empty(), by_instance = instance != 0;
  auto bind = [&](Statement& s) {
    s.bind(1, org);
    if (by_status) s.bind(2, std::string_view(status));
    if (by_instance) s.bind(3, instance);
  };
  return read_keyset_page<ApprovalRow>(db, list_sql(by_status, by_instance, page.after.has_value()),
                                       page.count ? count_sql(by_status, by_instance) : "", 4, page, bind, read_approval);
}

Result<std::optional<ApprovalRow>> find(Database& db, int64_t org, int64_t id) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM approvals WHERE id = ?1 AND org_id = ?2");
  q->bind(1, id).bind(2, org);
  return read_row<ApprovalRow>(q, read_approval);
}

Result<std::vector<ResponseRow>> responses(Database& db, int64_t approval) {
  Query q(db, "SELECT who, decision, note, via, at, recorded_by FROM approval_responses WHERE approval_id = ?1 ORDER BY rowid");
  q->bind(1, approval);
  return read_rows<ResponseRow>(q, [approval](const Statement& s, ResponseRow& r, std::string&) {
    r = {approval, s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3), s.column_int64(4), s.column_text(5)};
    return true;
  });
}

std::vector<std::string> of_waits_sql() {
  // Through the waits' primary key range, then each request by its effect and each response by
  // its request.
  constexpr const char* kWaitsJoin = " FROM waits w JOIN approvals a ON a.instance_id = w.instance_id AND a.effect_seq = w.seq";
  constexpr const char* kRange = " WHERE w.instance_id BETWEEN ?1 AND ?2";
  std::string columns;
  for (std::string_view c : {"id", "org_id", "instance_id", "effect_seq", "title", "quorum", "approvers", "status", "created_at",
                             "timeout_at", "decided_at"})
    columns += fmt::format("{}a.{}", columns.empty() ? "" : ", ", c);
  return {fmt::format("SELECT {}{}{}", columns, kWaitsJoin, kRange),
          fmt::format("SELECT r.approval_id, r.who, r.decision, r.note, r.via, r.at, r.recorded_by, r.rowid{} "
                      "JOIN approval_responses r ON r.approval_id = a.id{}",
                      kWaitsJoin, kRange)};
}

Result<std::vector<ApprovalRow>> of_waits(Database& db, int64_t first, int64_t last) {
  Query q(db, of_waits_sql()[0]);
  q->bind(1, first).bind(2, last);
  return read_rows<ApprovalRow>(q, read_approval);
}

Result<std::vector<ResponseRow>> responses_of_waits(Database& db, int64_t first, int64_t last) {
  Query q(db, of_waits_sql()[1]);
  q->bind(1, first).bind(2, last);
  // In the order they came (their rowid), sorted here rather than by the statement, whose plan
  // then needs no sort of its own.
  std::vector<std::pair<int64_t, ResponseRow>> rows;
  while (q->step()) {
    const Statement& s = q.row();
    rows.push_back({s.column_int64(7), {s.column_int64(0), s.column_text(1), s.column_text(2), s.column_text(3), s.column_text(4),
                                        s.column_int64(5), s.column_text(6)}});
  }
  std::string error;
  if (!finished(q, error)) return Result<std::vector<ResponseRow>>::failure(error);
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ResponseRow> out;
  out.reserve(rows.size());
  for (auto& [rowid, r] : rows) out.push_back(std::move(r));
  return out;
}

Result<int64_t> max_id(Database& db) { return read_int(db, "SELECT COALESCE(MAX(id), 0) FROM approvals"); }

}  // namespace wf::store::approvals

// Approvals (SPEC §4.3): the request list with paging and a status filter, one request with its
// audited responses, and responding with a decision, a note and the channel it came through.
#include <fmt/format.h>

#include <set>

#include "runtime/service/routes.h"

namespace wf::service {

namespace {

constexpr const char* kColumns =
    "id, instance_id, title, status, quorum, approvers, created_at, timeout_at, decided_at";

nlohmann::json approval_json(Context& c, const store::Statement& q) {
  const int64_t id = q.column_int64(0);
  auto approvers = nlohmann::json::parse(q.column_text(5), nullptr, false);
  nlohmann::json j = {{"id", id},
                      {"instance_id", q.column_int64(1)},
                      {"title", q.column_text(2)},
                      {"status", q.column_text(3)},
                      {"quorum", q.column_text(4)},
                      {"approvers", approvers.is_discarded() ? nlohmann::json::array() : approvers},
                      {"created_at", format_time(q.column_int64(6))},
                      {"timeout_at", time_or_null(q, 7)},
                      {"decided_at", time_or_null(q, 8)}};
  nlohmann::json responses = nlohmann::json::array();
  auto& r = c.reader->prepare("SELECT who, decision, note, via, at FROM approval_responses WHERE approval_id = ?1 ORDER BY rowid");
  r.bind(1, id);
  while (r.step())
    responses.push_back({{"who", r.column_text(0)},
                         {"decision", r.column_text(1)},
                         {"note", r.column_text(2)},
                         {"via", r.column_text(3)},
                         {"at", format_time(r.column_int64(4))}});
  r.reset();
  j["responses"] = std::move(responses);
  return j;
}

nlohmann::json approval_by_id(Context& c, int64_t org, int64_t id) {
  auto& q = c.reader->prepare(std::string("SELECT ") + kColumns + " FROM approvals WHERE id = ?1 AND org_id = ?2");
  q.bind(1, id).bind(2, org);
  if (!q.step()) {
    q.reset();
    return nullptr;
  }
  nlohmann::json j = approval_json(c, q);
  q.reset();
  return j;
}

// The approval `{id}` names in the caller's organization, with the request in `approval`;
// nullopt, after answering 404, when there is none.
std::optional<int64_t> approval_of(Context& c, const Principal& who, http::Exchange& x, std::string_view key, nlohmann::json& approval) {
  auto id = parse_id(key);
  approval = id ? approval_by_id(c, who.org_id, *id) : nlohmann::json();
  if (approval.is_null()) {
    reply_error(x, 404, "not_found", fmt::format("no approval {}", key));
    return std::nullopt;
  }
  return id;
}

}  // namespace

void list_approvals(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  const std::string status = r.query_param("status").value_or("");
  static const std::set<std::string> kStatuses = {"", "pending", "approved", "rejected", "expired", "cancelled"};
  if (!kStatuses.count(status))
    return reply_error(*x, 400, "bad_request", "`status` must be pending, approved, rejected, expired or cancelled");
  std::optional<int64_t> instance;
  if (auto i = r.query_param("instance")) {
    instance = parse_id(*i);
    if (!instance) return reply_error(*x, 400, "bad_request", "`instance` must be an instance id");
  }
  auto& q = c.reader->prepare(std::string("SELECT ") + kColumns +
                              " FROM approvals WHERE org_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = 0 OR instance_id = ?3) "
                              "ORDER BY id LIMIT ?4 OFFSET ?5");
  q.bind(1, who.org_id).bind(2, std::string_view(status)).bind(3, instance.value_or(0)).bind(4, limit).bind(5, skip);
  std::vector<int64_t> ids;
  while (q.step()) ids.push_back(q.column_int64(0));
  q.reset();
  nlohmann::json items = nlohmann::json::array();
  for (int64_t id : ids) items.push_back(approval_by_id(c, who.org_id, id));
  auto& t = c.reader->prepare(
      "SELECT COUNT(*) FROM approvals WHERE org_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = 0 OR instance_id = ?3)");
  t.bind(1, who.org_id).bind(2, std::string_view(status)).bind(3, instance.value_or(0));
  const int64_t total = t.step() ? t.column_int64(0) : 0;
  t.reset();
  return reply_json(*x, 200, {{"items", items}, {"total", total}});
}

void get_approval(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json approval;
  if (!approval_of(c, who, *x, p["id"], approval)) return;
  return reply_json(*x, 200, approval);
}

void respond_approval(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json approval;
  const auto id = approval_of(c, who, *x, p["id"], approval);
  if (!id) return;
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto decision = f.string("decision", true);
  auto note = f.string("note");
  auto via = f.string("via");
  auto as = f.string("who");
  if (!f.ok(*x)) return;
  if (*decision != "approve" && *decision != "reject")
    return reply_error(*x, 400, "bad_request", "`decision` must be \"approve\" or \"reject\"");
  // The administrator's own answer settles the request whatever its quorum (SPEC §1.6: admins may
  // respond to any approval); an answer given on behalf of a named approver counts toward it.
  const bool settle = !as.has_value();
  const std::string by = as.value_or("admin");
  const engine::OpResult result = c.engine->respond(
      *id, by, *decision == "approve", note.value_or(""), via.value_or("api"), settle, [&c, x, id = *id, org = who.org_id](bool ok, const std::string& error) {
        if (!ok) return reply_error(*x, 500, "internal", error);
        reply_json(*x, 200, approval_by_id(c, org, id));
      });
  reply_refusal(*x, result);
}

}  // namespace wf::service

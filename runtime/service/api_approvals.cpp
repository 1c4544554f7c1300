// Approvals (SPEC §4.3): the request list with paging and a status filter, one request with its
// audited responses, and responding with a decision, a note and the channel it came through.
#include <fmt/format.h>

#include "runtime/service/routes.h"
#include "runtime/service/views.h"
#include "runtime/store/approvals.h"

namespace wf::service {

namespace {

// A request as the API shows it: its row with its responses.
store::Result<nlohmann::json> approval_view(store::Database& db, const store::ApprovalRow& a) {
  auto responses = store::approvals::responses(db, a.id);
  if (!responses.ok()) return store::Result<nlohmann::json>::failure(responses.error());
  return approval_json(a, *responses);
}

// One request of `org` with its responses; nullopt when there is none.
store::Result<std::optional<nlohmann::json>> approval_by_id(Context& c, int64_t org, int64_t id) {
  using Answer = store::Result<std::optional<nlohmann::json>>;
  auto row = store::approvals::find(c.reads->connection(), org, id);
  if (!row.ok()) return Answer::failure(row.error());
  if (!*row) return std::optional<nlohmann::json>();
  auto view = approval_view(c.reads->connection(), **row);
  if (!view.ok()) return Answer::failure(view.error());
  return std::optional<nlohmann::json>(std::move(*view));
}

// The approval `{id}` names in the caller's organization, with the request in `approval`;
// nullopt, after answering 404, when there is none.
std::optional<int64_t> approval_of(Context& c, const Principal& who, http::Exchange& x, std::string_view key, nlohmann::json& approval) {
  auto id = parse_id(key);
  if (id) {
    auto found = approval_by_id(c, who.org_id, *id);
    if (!read_ok(x, found)) return std::nullopt;
    if (*found) {
      approval = std::move(**found);
      return id;
    }
  }
  reply_error(x, 404, "not_found", fmt::format("no approval {}", key));
  return std::nullopt;
}

}  // namespace

void list_approvals(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  store::Paging wanted;
  if (!keyset_paging(r, *x, wanted)) return;
  const auto status = name_filter<store::ApprovalStatus>(r, *x, "status");
  if (!status) return;
  std::optional<int64_t> instance;
  if (auto i = r.query_param("instance")) {
    instance = parse_id(*i);
    if (!instance) return reply_error(*x, 400, "bad_request", "`instance` must be an instance id");
  }
  c.reads->read(
      [&](store::Database& db) -> store::Result<nlohmann::json> {
        auto page = store::approvals::list(db, who.org_id, *status, instance.value_or(0), wanted);
        if (!page.ok()) return store::Result<nlohmann::json>::failure(page.error());
        nlohmann::json items = nlohmann::json::array();
        for (const store::ApprovalRow& a : page->items) {
          auto view = approval_view(db, a);
          if (!view.ok()) return view;
          items.push_back(std::move(*view));
        }
        return page_json(std::move(items), page->next, page->total);
      },
      [&](const store::Result<nlohmann::json>& answer) {
        if (read_ok(*x, answer)) reply_json(*x, 200, *answer);
      });
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
      who.org_id, *id, by, *decision == "approve", note.value_or(""), via.value_or("api"), settle, [&c, x, id = *id, org = who.org_id](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        auto answer = approval_by_id(c, org, id);
        if (read_ok(*x, answer)) reply_json(*x, 200, answer->value_or(nlohmann::json()));
      });
  reply_refusal(*x, result);
}

}  // namespace wf::service

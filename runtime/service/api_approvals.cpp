// Approvals (SPEC §4.3, §4.7): the request list with paging and a status filter, one request with
// its audited responses, and responding with a decision, a note and the channel it came through —
// as the authenticated user, who must be among the request's approvers (`by`) or an administrator.
#include <fmt/format.h>

#include "runtime/service/identity_checks.h"
#include "runtime/service/auth.h"
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

// Whether a person named `user` holding `roles` may answer a request whose approvers are
// `approvers` ("user:alice", "role:dba", or "permission:pam_vaults.manage" for anyone holding that
// permission: a checkout's request when its identity names nobody); a list that names no user,
// role or permission names everyone.
bool among_approvers(const nlohmann::json& approvers, const std::string& user, const std::vector<std::string>& roles,
                     const PermissionSet& permissions) {
  bool named_anyone = false;
  for (const nlohmann::json& a : approvers) {
    if (!a.is_string()) continue;
    const std::string entry = a.get<std::string>();
    if (entry.starts_with("user:")) {
      named_anyone = true;
      if (entry.substr(5) == user) return true;
    } else if (entry.starts_with("role:")) {
      named_anyone = true;
      if (std::find(roles.begin(), roles.end(), entry.substr(5)) != roles.end()) return true;
    } else if (entry.starts_with("permission:")) {
      named_anyone = true;
      const std::optional<Permission> wanted = parse_permission(entry.substr(11));
      if (wanted && permissions.has(*wanted)) return true;
    }
  }
  return !named_anyone;
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
  auto on_behalf_of = f.string("who");
  if (!f.ok(*x)) return;
  if (*decision != "approve" && *decision != "reject")
    return reply_error(*x, 400, "bad_request", "`decision` must be \"approve\" or \"reject\"");
  if (via && *via != "api" && *via != "cli" && *via != "web")
    return reply_error(*x, 400, "bad_request", "`via` must be \"api\", \"cli\" or \"web\"");
  engine::Engine::ApprovalAnswer answer;
  answer.approve = *decision == "approve";
  answer.note = note.value_or("");
  answer.via = via.value_or("api");
  const nlohmann::json& approvers = approval["approvers"];
  if (on_behalf_of) {
    // An administrator records the answer a listed approver gave elsewhere: it is that person's
    // vote, and the record says who entered it.
    if (!who.admin())
      return reply_error(*x, 403, "forbidden", "only an administrator records a response on another's behalf (`who`)");
    auto person = existing_user(c, who.org_id, *x, *on_behalf_of, NamedIn::Body);
    if (!person) return;
    auto granted = user_permissions(c.reads->connection(), *person);
    if (!read_ok(*x, granted)) return;
    if (!among_approvers(approvers, person->name, person->roles, *granted))
      return reply_error(*x, 403, "forbidden", fmt::format("`{}` is not among the approvers of approval {}", person->name, *id));
    answer.who = person->name;
    answer.recorded_by = who.user;
  } else {
    answer.who = who.user;
    // An administrator who is not an approver decides the request (SPEC §4.7: admins may always
    // respond); an approver's answer, an administrator's too, is one vote under the quorum.
    if (!among_approvers(approvers, who.user, who.roles, who.permissions)) {
      if (!who.admin())
        return reply_error(*x, 403, "forbidden",
                           fmt::format("you are not among the approvers of approval {} ({})", *id, approvers.dump()));
      answer.settle = true;
    }
  }
  const engine::OpResult result =
      c.engine->respond(who.org_id, *id, answer, [&c, x, id = *id, org = who.org_id](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        auto stored = approval_by_id(c, org, id);
        if (read_ok(*x, stored)) reply_json(*x, 200, stored->value_or(nlohmann::json()));
      });
  reply_refusal(*x, result);
}

}  // namespace wf::service

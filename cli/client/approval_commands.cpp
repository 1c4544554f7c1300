// `wf approvals [--status S]`, `wf approve APPROVAL_ID [--reject] [--note TEXT] [--as USER]` and
// `wf reject APPROVAL_ID` (SPEC §6): list approval requests and answer one. The answer is recorded
// as given through the CLI; with --as an administrator records the answer another approver gave
// elsewhere (it counts as that person's vote).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/client/service_connection.h"
#include "cli/client/commands.h"
#include "cli/client/instance_outcome.h"
#include "cli/client/request_values.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct ApprovalsOptions {
  ClientOptions client;
  std::string status = "pending";  // "all": every status
  std::string instance;
};

struct ApproveOptions {
  ClientOptions client;
  std::string id, note;
  std::string on_behalf_of;  // --as: the approver whose answer an administrator records
  bool reject = false;
};

void approvals(const ApprovalsOptions& o) {
  std::string query;
  auto add = [&query](std::string_view name, const std::string& value) {
    query += query.empty() ? "?" : "&";
    query += fmt::format("{}={}", name, client::url_encode(value));
  };
  if (o.status != "all") add("status", o.status);
  if (!o.instance.empty()) add("instance", std::to_string(require_id(o.instance, "instance")));

  ServiceConnection api(o.client);
  const Json answer = api.get("/approvals" + query);
  const Json* items = &list_items(answer, "approvals");
  if (o.client.json()) return print_json(*items);
  fmt::print("{}", render_approval_table(*items));
}

void approve(const ApproveOptions& o) {
  const int64_t id = require_id(o.id, "approval");
  Json body = {{"decision", o.reject ? "reject" : "approve"}, {"via", "cli"}};
  if (!o.note.empty()) body["note"] = o.note;
  if (!o.on_behalf_of.empty()) body["who"] = o.on_behalf_of;
  ServiceConnection api(o.client);
  const Json answer = api.post(fmt::format("/approvals/{}/respond", id), body);
  if (o.client.json()) return print_json(answer);
  // With a quorum one response may leave the request pending; say what it is now.
  std::string status = text_field(answer, "status");
  if (status.empty()) status = o.reject ? "rejected" : "approved";
  fmt::print("approval {}: {}\n", id, one_line(status));
}

}  // namespace

void register_approval_commands(CLI::App& app) {
  auto list_options = std::make_shared<ApprovalsOptions>();
  CLI::App* list_command = app.add_subcommand("approvals", "List approval requests (pending ones unless --status says otherwise)");
  list_command->add_option("--status", list_options->status, "pending, approved, rejected, expired, cancelled, or all")
      ->check(CLI::IsMember(approval_statuses()))
      ->capture_default_str();
  list_command->add_option("--instance", list_options->instance, "Only the requests of this instance");
  add_client_options(list_command, list_options->client);
  list_command->callback([list_options] { approvals(*list_options); });

  // `wf reject ID` is `wf approve ID --reject`.
  for (const bool rejecting : {false, true}) {
    auto options = std::make_shared<ApproveOptions>();
    CLI::App* command = app.add_subcommand(rejecting ? "reject" : "approve",
                                           rejecting ? "Reject an approval request (the same as approve --reject)"
                                                     : "Approve (or with --reject, reject) an approval request");
    command->add_option("id", options->id, "The approval's id")->required();
    if (rejecting) options->reject = true;
    else command->add_flag("--reject", options->reject, "Reject instead of approving");
    command->add_option("--note", options->note, "A note recorded with the decision");
    command->add_option("--as", options->on_behalf_of,
                        "Record the answer this approver gave elsewhere (administrators only; it counts as their vote)");
    add_client_options(command, options->client);
    command->callback([options] { approve(*options); });
  }
}

}  // namespace wf::cli

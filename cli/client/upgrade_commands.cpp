// `wf upgrade ID --to N [--dry-run]` and `wf upgrade --workflow W --to N [--from M] [--dry-run]`
// (SPEC §4.11, §6): move waiting instances to a newer version of their definition, or say, per
// instance, whether they could move and why not.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/client/commands.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct UpgradeOptions {
  ClientOptions client;
  std::string id;
  std::string workflow;
  int64_t to = 0;
  int64_t from = 0;  // 0: every older version
  bool dry_run = false;
};

// One line per instance: what happened to it, or what would, or why not.
std::string verdict_line(const Json& v, bool dry_run) {
  const int64_t id = int_field(v, "instance_id").value_or(0);
  const int64_t from = int_field(v, "from_version").value_or(0), to = int_field(v, "to_version").value_or(0);
  const std::string reason = text_field(v, "reason");
  if (!reason.empty()) return fmt::format("instance {}: cannot move from version {} to {}: {}\n", id, from, to, one_line(reason));
  const std::string step = one_line(text_field(v, "step"));
  if (dry_run) return fmt::format("instance {}: can move from version {} to {} (step \"{}\" would start again)\n", id, from, to, step);
  return fmt::format("instance {}: moved from version {} to {}; step \"{}\" starts again\n", id, from, to, step);
}

void upgrade(const UpgradeOptions& o) {
  if (o.id.empty() == o.workflow.empty()) fail(kExitUsage, "wf upgrade: give an instance id or --workflow NAME, not both");
  ServiceConnection api(o.client);
  if (!o.id.empty()) {
    const int64_t id = require_id(o.id, "instance");
    const Json answer = api.post(fmt::format("/instances/{}/upgrade", id), {{"version", o.to}, {"dry_run", o.dry_run}});
    if (o.client.json()) return print_json(answer);
    fmt::print("{}", verdict_line(answer, o.dry_run));
    if (!text_field(answer, "reason").empty()) throw CLI::RuntimeError(kExitFailed);
    return;
  }
  Json body = {{"to_version", o.to}, {"dry_run", o.dry_run}};
  if (o.from > 0) body["from_version"] = o.from;
  const Json answer = api.post("/definitions/" + client::url_encode(o.workflow) + "/upgrade-instances", body);
  if (o.client.json()) return print_json(answer);
  const Json& items = list_items(answer, "instances");
  for (const Json& v : items) fmt::print("{}", verdict_line(v, o.dry_run));
  const int64_t moved = int_field(answer, o.dry_run ? "can_upgrade" : "upgraded").value_or(0);
  const int64_t refused = int_field(answer, "refused").value_or(0);
  fmt::print("{} {} {} to version {}, {} cannot\n", moved, moved == 1 ? "instance" : "instances",
             o.dry_run ? "can move" : "moved", o.to, refused);
  if (refused > 0) throw CLI::RuntimeError(kExitFailed);
}

}  // namespace

void register_upgrade_commands(CLI::App& app) {
  auto options = std::make_shared<UpgradeOptions>();
  CLI::App* command = app.add_subcommand(
      "upgrade", "Move waiting instances to a newer version (ID, or every instance of --workflow); --dry-run says which could");
  command->add_option("id", options->id, "The instance's id");
  command->add_option("--workflow", options->workflow, "Every waiting instance of this workflow");
  command->add_option("--to", options->to, "The version to move to")->required()->check(CLI::PositiveNumber);
  command->add_option("--from", options->from, "With --workflow: only the instances of this version")->check(CLI::PositiveNumber);
  command->add_flag("--dry-run", options->dry_run, "Change nothing: say, per instance, whether it could move and why not");
  add_client_options(command, options->client);
  command->callback([options] { upgrade(*options); });
}

}  // namespace wf::cli

// `wf automation pause --reason R | resume | status` (SPEC §4.6): the caller's organization's
// kill switch — pause its automation with a reason, resume it, and say where it stands.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/client/commands.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"

namespace wf::cli {

namespace {

struct PauseOptions {
  ClientOptions client;
  std::string reason;
};

// The switch's path of the caller's own organization (the one its token belongs to).
std::string switch_path(ServiceConnection& api, std::string_view action) {
  const Json me = api.get("/users/me");
  const auto org = me.contains("organization") ? int_field(me["organization"], "id") : std::nullopt;
  if (!org) fail(kExitUsage, "the service did not say which organization the token belongs to");
  return fmt::format("/orgs/{}/automation/{}", *org, action);
}

void print_status(const Json& s, bool json) {
  if (json) return print_json(s);
  if (s.value("paused", false)) {
    fmt::print("automation: paused\n");
    fmt::print("by:         {}\n", one_line(text_field(s, "by")));
    fmt::print("since:      {}\n", one_line(text_field(s, "since")));
    fmt::print("reason:     {}\n", one_line(text_field(s, "reason")));
    return;
  }
  fmt::print("automation: running\n");
  if (s.contains("resumed_by"))
    fmt::print("resumed:    by {} at {}\n", one_line(text_field(s, "resumed_by")), one_line(text_field(s, "resumed_at")));
}

void status(const ClientOptions& o) {
  ServiceConnection api(o);
  print_status(api.get(switch_path(api, "status")), o.json());
}

void pause(const PauseOptions& o) {
  ServiceConnection api(o.client);
  print_status(api.post(switch_path(api, "pause"), Json{{"reason", o.reason}}), o.client.json());
}

void resume(const ClientOptions& o) {
  ServiceConnection api(o);
  print_status(api.post(switch_path(api, "resume"), Json::object()), o.json());
}

}  // namespace

void register_automation_commands(CLI::App& app) {
  CLI::App* automation = app.add_subcommand("automation", "The kill switch: wf automation pause --reason R | resume | status");
  automation->require_subcommand(1);

  auto pause_options = std::make_shared<PauseOptions>();
  CLI::App* pause_command = automation->add_subcommand(
      "pause", "Pause the organization's automation: nothing starts automatically, automatic instances pause at their next effect");
  pause_command->add_option("--reason", pause_options->reason, "Why (shown with the status)")->required();
  add_client_options(pause_command, pause_options->client);
  pause_command->callback([pause_options] { pause(*pause_options); });

  auto resume_options = std::make_shared<ClientOptions>();
  CLI::App* resume_command = automation->add_subcommand("resume", "Resume automation; the instances the switch held go on");
  add_client_options(resume_command, *resume_options);
  resume_command->callback([resume_options] { resume(*resume_options); });

  auto status_options = std::make_shared<ClientOptions>();
  CLI::App* status_command = automation->add_subcommand("status", "Whether automation is paused, by whom, since when and why");
  add_client_options(status_command, *status_options);
  status_command->callback([status_options] { status(*status_options); });
}

}  // namespace wf::cli

// The client commands of `wf` (SPEC §6), one group per file under cli/client/; the service's
// address and token come from --server/--token, else WF_SERVER/WF_TOKEN, else what `wf login` stored
// (cli/client/stored_credentials.h).
#include "client_commands.h"

#include "cli/client/commands.h"

namespace wf::cli {

void register_client_commands(CLI::App& app) {
  register_definition_commands(app);
  register_instance_commands(app);
  register_follow_commands(app);
  register_approval_commands(app);
  register_job_commands(app);
  register_host_commands(app);
  register_script_commands(app);
  register_audit_commands(app);
  register_stats_commands(app);
  register_login_commands(app);
  register_org_commands(app);
  register_vault_commands(app);
  register_user_commands(app);
  register_role_commands(app);
  register_token_commands(app);
  register_automation_commands(app);
  register_hook_commands(app);
  register_notification_commands(app);
  register_schedule_commands(app);
  register_upgrade_commands(app);
}

}  // namespace wf::cli

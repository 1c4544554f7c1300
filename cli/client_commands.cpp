// The client commands of `wf` (SPEC §6), one group per file under cli/client/; the service's
// address and token come from --server/--token or WF_SERVER/WF_TOKEN (cli/client/service_connection.h).
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
}

}  // namespace wf::cli

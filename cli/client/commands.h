// The groups of client commands (SPEC §6), each registered by the file named after it.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {

void register_definition_commands(CLI::App& app);  // push, publish
void register_instance_commands(CLI::App& app);    // start, ls, show, cancel, pause, resume, retry
void register_follow_commands(CLI::App& app);      // wait, logs
void register_approval_commands(CLI::App& app);    // approvals, approve
void register_agent_admin_commands(CLI::App* agent);  // agent approve, agent rotate-secret
void register_job_commands(CLI::App& app);         // jobs, job show|run|cancel|retry|rm|logs
void register_host_commands(CLI::App& app);        // hosts, host tag|untag
void register_script_commands(CLI::App& app);      // scripts ls|show|run|executions
void register_audit_commands(CLI::App& app);       // audit

}  // namespace wf::cli

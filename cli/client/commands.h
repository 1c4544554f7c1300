// The groups of client commands (SPEC §6), each registered by the file named after it.
#pragma once

namespace CLI {
class App;
}

namespace wf::cli {

void register_definition_commands(CLI::App& app);  // push, publish
void register_instance_commands(CLI::App& app);    // start, ls, show, cancel, pause, resume, retry
void register_follow_commands(CLI::App& app);      // wait, logs
void register_approval_commands(CLI::App& app);    // approvals, approve, reject
void register_agent_admin_commands(CLI::App* agent);  // agent approve, agent rotate-secret
void register_job_commands(CLI::App& app);         // jobs, job show|run|cancel|retry|rm|logs
void register_host_commands(CLI::App& app);        // hosts, host tag|untag
void register_script_commands(CLI::App& app);      // scripts ls|show|run|executions
void register_audit_commands(CLI::App& app);       // audit
void register_stats_commands(CLI::App& app);       // stats
void register_login_commands(CLI::App& app);       // login, logout, whoami
void register_org_commands(CLI::App& app);         // org ls|create
void register_user_commands(CLI::App& app);        // user ls|add|disable|enable
void register_role_commands(CLI::App& app);        // role ls|create|delete|grant|revoke
void register_token_commands(CLI::App& app);       // token create|ls|revoke
void register_automation_commands(CLI::App& app);  // automation pause|resume|status
void register_hook_commands(CLI::App& app);        // hook create|ls|show|rotate|rm|deliveries|send
void register_notification_commands(CLI::App& app);  // notify-channel add|ls|show|rm, notifications ls|show|replay
void register_schedule_commands(CLI::App& app);    // schedule ls|show|create|pause|resume|rm
void register_vault_commands(CLI::App& app);       // vault ls|show|add|rm|rotate|sessions|revoke
void register_upgrade_commands(CLI::App& app);     // upgrade

}  // namespace wf::cli

// The handlers of the service's endpoints, one per row of the route table (route_table.cpp),
// grouped by the file that holds them, and what those files share. The router calls a handler
// only for its own method and path, once its caller is authenticated and its body within limits.
#pragma once

#include <optional>
#include <string>

#include "runtime/service/route_table.h"

namespace wf::service {

// service_info.cpp: what the service says of itself.
HandlerFunction health, ready, openapi_json, metrics;
// console_static.cpp: the web console's files.
HandlerFunction console_page;
// api_session.cpp: the console's sign-in.
HandlerFunction open_session, get_session, close_session;

// api_definitions.cpp
HandlerFunction list_definitions, create_definitions, get_definition, patch_definition, delete_definition,
    definition_versions, publish_definition, clone_definition, export_definition, import_definition, run_definition_now,
    run_definition_test;

// api_instances.cpp
HandlerFunction list_instances, get_instance, cancel_instance, pause_instance, resume_instance, retry_instance,
    signal_instance, instance_log, instance_events;

// api_upgrade.cpp: moving waiting instances to a newer version.
HandlerFunction upgrade_instance, upgrade_definition_instances;

// api_events.cpp
HandlerFunction organization_events, job_events;

// api_analytics.cpp
HandlerFunction analytics;

// api_approvals.cpp
HandlerFunction list_approvals, get_approval, respond_approval;

// api_agents.cpp: the agents' own calls, then the operators' view of agents, jobs, hosts and groups.
HandlerFunction register_agent, agent_heartbeat, agent_poll, agent_job_start, agent_job_output, agent_job_complete,
    agent_job_credential;
HandlerFunction list_agents, approve_agent, rotate_enrollment_secret, list_jobs, create_job, get_job, delete_job, cancel_job,
    retry_job, list_hosts, list_groups, put_group, patch_host;

// api_scripts.cpp: the script library.
HandlerFunction list_scripts, execute_script, script_executions;

// api_notifications.cpp: channels, the retry schedule, notifications and the dead-letter queue.
HandlerFunction list_channels, put_channel, get_channel, delete_channel, get_notification_settings, put_notification_settings,
    list_notifications, list_dead_letters, get_notification, replay_dead_letter, replay_dead_letters;
// api_schedules.cpp
HandlerFunction list_schedules, create_schedule, get_schedule, patch_schedule, delete_schedule, pause_schedule, resume_schedule;

// api_vault.cpp
HandlerFunction list_identities, create_identity, get_identity, delete_identity, rotate_identity, list_sessions, revoke_session;

// api_hooks.cpp: inbound webhooks' management; hook_delivery.cpp: a delivery to one.
HandlerFunction list_hooks, create_hook, get_hook, delete_hook, rotate_hook, hook_deliveries;
HandlerFunction deliver_hook;

// api_users.cpp, api_roles.cpp, api_tokens.cpp, api_orgs.cpp: who may do what (SPEC §4.7).
HandlerFunction get_me, list_users, get_user, create_user, patch_user;
HandlerFunction list_roles, put_role, delete_role, grant_role, revoke_role;
HandlerFunction list_tokens, create_token, revoke_token;
HandlerFunction list_orgs, create_org;

// api_automation.cpp: the kill switch.
HandlerFunction automation_status, pause_automation, resume_automation;

// api_audit.cpp
HandlerFunction list_audit;

// An agent's job asks for its credential's secret (running, on this agent, checkout still open).
void job_credential(Context& c, const Principal& who, ExchangePtr x, int64_t job_id);
// An identity of the vault, without its secret, for `checkout`.
store::Result<std::optional<engine::IdentityInfo>> find_identity(Context& c, int64_t org, const std::string& name);
// The Server-Sent Events of the organization, or of one of its instances.
// The event stream of the organization, of one instance, or of one job's `job.*` events.
void events_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, std::optional<int64_t> instance,
                std::optional<int64_t> job = std::nullopt);

// The instance detail of docs/api.md, read from the store; nullopt when `org` has no such instance.
store::Result<std::optional<nlohmann::json>> instance_detail(Context& c, int64_t org, int64_t id);

// The OpenAPI document of every route under /api/v1.
const std::string& openapi_document();

void method_not_allowed(http::Exchange& x);

}  // namespace wf::service

// The route table (see route_table.h) and the matching of a request's path against it.
#include "runtime/service/route_table.h"

#include <algorithm>
#include <string>

#include "runtime/service/routes.h"

namespace wf::service {

namespace {

// Body limits. A route that takes JSON takes up to 1 MiB: a source with its imports, a job's
// output, a signal's payload. Registration is the one body read from a caller without a token,
// and it holds a secret and a host's name. A route without a body still gets the `{}` some
// clients send by habit.
constexpr size_t kJsonBody = 1024 * 1024;
constexpr size_t kRegistrationBody = 16 * 1024;
constexpr size_t kNoBody = 4 * 1024;

using enum AuthPolicy;

// method, path, handler, permission, auth, body limit, JSON body, under /api/v1, summary
constexpr Route kRoutes[] = {
    {"GET", "/health", health, "", None, kNoBody, false, true, "Liveness check"},
    {"GET", "/ready", ready, "", None, kNoBody, false, true, "Readiness check: 503 until the live instances are recovered"},
    {"GET", "/openapi.json", openapi_json, "", None, kNoBody, false, true, "This document"},

    {"GET", "/definitions", list_definitions, "workflows.view", User, kNoBody, false, true, "List definitions"},
    {"POST", "/definitions", create_definitions, "workflows.create", User, kJsonBody, true, true,
     "Upload and compile source: one definition per workflow (422 with diagnostics)"},
    {"GET", "/definitions/{id}", get_definition, "workflows.view", User, kNoBody, false, true, "A definition with its latest source"},
    {"PATCH", "/definitions/{id}", patch_definition, "workflows.edit", User, kJsonBody, true, true,
     "Update description, template or active flags, or upload a new version (source)"},
    {"DELETE", "/definitions/{id}", delete_definition, "workflows.delete", User, kNoBody, false, true, "Delete a definition and its versions"},
    {"GET", "/definitions/{id}/versions", definition_versions, "workflows.view", User, kNoBody, false, true, "Version history"},
    {"POST", "/definitions/{id}/publish", publish_definition, "workflows.edit", User, kJsonBody, true, true, "Publish a version"},
    {"POST", "/definitions/{id}/clone", clone_definition, "workflows.create", User, kNoBody, false, true, "Clone as NAME (Copy)"},
    {"GET", "/definitions/{id}/export", export_definition, "workflows.view", User, kNoBody, false, true, "Export as JSON"},
    {"POST", "/definitions/import", import_definition, "workflows.create", User, kJsonBody, true, true, "Import exported JSON as a draft"},
    {"POST", "/definitions/{id}/run", run_definition_now, "workflows.execute", User, kJsonBody, true, true,
     "Start an instance; with ?wait=D, answer when it ends (200) or D runs out (202)"},
    {"POST", "/definitions/{id}/upgrade-instances", upgrade_definition_instances, "workflows.edit", User, kJsonBody, true, true,
     "Move the definition's waiting instances to a newer version, or say per instance why not (dry_run)"},
    {"POST", "/definitions/{id}/run-test", run_definition_test, "workflows.execute", User, kJsonBody, true, true, "Simulate a run"},

    {"GET", "/instances", list_instances, "workflows.view", User, kNoBody, false, true, "List instances, newest first (workflow, status, trigger, after, skip, limit, count)"},
    {"GET", "/instances/{id}", get_instance, "workflows.view", User, kNoBody, false, true, "Instance detail"},
    {"POST", "/instances/{id}/cancel", cancel_instance, "workflows.execute", User, kNoBody, false, true, "Cancel"},
    {"POST", "/instances/{id}/pause", pause_instance, "workflows.execute", User, kNoBody, false, true, "Pause at the next effect boundary"},
    {"POST", "/instances/{id}/resume", resume_instance, "workflows.execute", User, kNoBody, false, true, "Resume"},
    {"POST", "/instances/{id}/retry", retry_instance, "workflows.execute", User, kNoBody, false, true,
     "Retry a failed instance from its failed step"},
    {"POST", "/instances/{id}/upgrade", upgrade_instance, "workflows.execute", User, kJsonBody, true, true,
     "Move a waiting instance to a newer version, or say why not (dry_run)"},
    {"POST", "/instances/{id}/signal", signal_instance, "workflows.execute", User, kJsonBody, true, true, "Deliver an event to `wait event`"},
    {"GET", "/instances/{id}/log", instance_log, "workflows.view", User, kNoBody, false, true, "Execution log"},
    {"GET", "/instances/{id}/events", instance_events, "workflows.view", User, kNoBody, false, true,
     "Server-Sent Events of one instance (Last-Event-ID)"},
    {"GET", "/events", organization_events, "workflows.view", User, kNoBody, false, true,
     "Server-Sent Events of the organization (Last-Event-ID)"},

    {"GET", "/analytics", analytics, "workflows.view", User, kNoBody, false, true,
     "How automation performed over a range: executions, success rate, durations, daily trend, top workflows, agents, approvals (from, to, workflow)"},

    {"GET", "/approvals", list_approvals, "workflows.view", User, kNoBody, false, true,
     "List approval requests, oldest first (status, instance, after, skip, limit, count)"},
    {"GET", "/approvals/{id}", get_approval, "workflows.view", User, kNoBody, false, true, "An approval request with its responses"},
    {"POST", "/approvals/{id}/respond", respond_approval, "workflows.execute", User, kJsonBody, true, true, "Approve or reject"},

    {"POST", "/agents/register", register_agent, "", Enrollment, kRegistrationBody, true, true,
     "Register a host with the enrollment secret"},
    {"POST", "/agents/heartbeat", agent_heartbeat, "agent", Agent, kJsonBody, true, true, "Agent heartbeat"},
    {"POST", "/agents/poll", agent_poll, "agent", Agent, kJsonBody, true, true, "Long-poll for jobs"},
    {"POST", "/agents/jobs/{id}/start", agent_job_start, "agent", Agent, kNoBody, false, true, "A job starts"},
    {"POST", "/agents/jobs/{id}/output", agent_job_output, "agent", Agent, kJsonBody, true, true, "Streamed output"},
    {"POST", "/agents/jobs/{id}/complete", agent_job_complete, "agent", Agent, kJsonBody, true, true, "A job's report"},
    {"GET", "/agents/jobs/{id}/credential", agent_job_credential, "agent", Agent, kNoBody, false, true,
     "The secret of a running job's credential, for its agent"},
    {"GET", "/agents", list_agents, "jobs.view", User, kNoBody, false, true, "List agents"},
    {"POST", "/agents/{id}/approve", approve_agent, "settings.manage", User, kNoBody, false, true,
     "Let a host whose agent is live register once more without that agent's token"},
    {"POST", "/agents/enrollment/rotate", rotate_enrollment_secret, "settings.manage", User, kNoBody, false, true,
     "A new enrollment secret; the old one stops working, registered agents keep their tokens"},

    {"GET", "/jobs", list_jobs, "jobs.view", User, kNoBody, false, true, "List jobs, newest first (status, host, instance, after, skip, limit, count)"},
    {"POST", "/jobs", create_job, "jobs.manage", User, kJsonBody, true, true, "Create an ad-hoc job"},
    {"GET", "/jobs/{id}", get_job, "jobs.view", User, kNoBody, false, true, "A job with its output"},
    {"GET", "/jobs/{id}/events", job_events, "jobs.view", User, kNoBody, false, true,
     "Server-Sent Events of one job, with its live output (Last-Event-ID)"},
    {"DELETE", "/jobs/{id}", delete_job, "jobs.manage", User, kNoBody, false, true, "Take an ended job out of the lists (it is kept)"},
    {"POST", "/jobs/{id}/cancel", cancel_job, "jobs.manage", User, kNoBody, false, true,
     "Cancel a job (a running one is killed by its agent)"},
    {"POST", "/jobs/{id}/retry", retry_job, "jobs.manage", User, kNoBody, false, true, "Run an ended ad-hoc job again"},
    {"GET", "/hosts", list_hosts, "jobs.view", User, kNoBody, false, true, "Registered hosts with their tags and groups"},
    {"PATCH", "/hosts/{id}", patch_host, "jobs.manage", User, kJsonBody, true, true,
     "Set, add or remove a host's operator tags (the path takes the host's name)"},
    {"GET", "/groups", list_groups, "jobs.view", User, kNoBody, false, true, "Host groups"},
    {"POST", "/groups", put_group, "jobs.manage", User, kJsonBody, true, true, "Create or replace a host group"},

    {"GET", "/scripts", list_scripts, "scripts.view", User, kNoBody, false, true,
     "Scripts and libraries of the published definitions (definition)"},
    {"POST", "/scripts/{id}/execute", execute_script, "scripts.manage", User, kJsonBody, true, true,
     "Run a published script on hosts: one ad-hoc job per host"},
    {"GET", "/scripts/{id}/executions", script_executions, "scripts.view", User, kNoBody, false, true,
     "Jobs that ran a script, newest first (definition, after, skip, limit, count)"},

    {"GET", "/schedules", list_schedules, "automation.view", User, kNoBody, false, true, "Schedules, by name, with their next due time"},
    {"POST", "/schedules", create_schedule, "automation.manage", User, kJsonBody, true, true,
     "Create a schedule of a workflow or of a recurring job"},
    {"GET", "/schedules/{id}", get_schedule, "automation.view", User, kNoBody, false, true,
     "A schedule (id or name) with its next 10 fire times and its last 20 ticks"},
    {"PATCH", "/schedules/{id}", patch_schedule, "automation.manage", User, kJsonBody, true, true,
     "Change a schedule's expression, zone, target, overlap policy, catch-up window, end or maximum"},
    {"DELETE", "/schedules/{id}", delete_schedule, "automation.manage", User, kNoBody, false, true,
     "Remove a schedule (its ticks are kept)"},
    {"POST", "/schedules/{id}/pause", pause_schedule, "automation.manage", User, kNoBody, false, true, "Pause a schedule: no tick until resumed"},
    {"POST", "/schedules/{id}/resume", resume_schedule, "automation.manage", User, kNoBody, false, true,
     "Resume a schedule from now on (the ticks of the pause are not caught up)"},

    {"GET", "/vault/identities", list_identities, "pam_vaults.view", User, kNoBody, false, true, "Vault identities (never their secrets)"},
    {"POST", "/vault/identities", create_identity, "pam_vaults.manage", User, kJsonBody, true, true,
     "Create or replace an identity with its secret"},
    {"GET", "/vault/identities/{id}", get_identity, "pam_vaults.view", User, kNoBody, false, true, "One identity by name"},
    {"DELETE", "/vault/identities/{id}", delete_identity, "pam_vaults.manage", User, kNoBody, false, true, "Delete an identity"},
    {"POST", "/vault/identities/{id}/rotate", rotate_identity, "pam_vaults.manage", User, kNoBody, false, true,
     "Rotate an identity's secret now: its rotate_script runs on its rotate_host with the new secret"},
    {"GET", "/vault/sessions", list_sessions, "pam_vaults.view", User, kNoBody, false, true,
     "Open checkout sessions (identity, instance, opened, expires)"},
    {"POST", "/vault/sessions/{id}/revoke", revoke_session, "pam_vaults.manage", User, kNoBody, false, true,
     "Close a checkout session now: a job running as it is refused its secret"},

    {"GET", "/hooks", list_hooks, "automation.view", User, kNoBody, false, true, "Inbound webhooks (never their keys or secrets)"},
    {"POST", "/hooks", create_hook, "automation.manage", User, kJsonBody, true, true,
     "Create a hook: its key, URL and first secret (or bearer token) are shown once"},
    {"GET", "/hooks/{id}", get_hook, "automation.view", User, kNoBody, false, true, "A hook with its secrets' dates (by id or name)"},
    {"DELETE", "/hooks/{id}", delete_hook, "automation.manage", User, kNoBody, false, true,
     "Delete a hook: its URL answers 404 from now on, its deliveries are kept"},
    {"POST", "/hooks/{id}/rotate", rotate_hook, "automation.manage", User, kJsonBody, true, true,
     "Add a secret, shown once; optionally expire the older ones after expire_old_seconds"},
    {"GET", "/hooks/{id}/deliveries", hook_deliveries, "automation.view", User, kNoBody, false, true,
     "A hook's deliveries, newest first (after, skip, limit, count)"},
    {"GET", "/notification-channels", list_channels, "settings.view", User, kNoBody, false, true,
     "Notification channels (never their secrets)"},
    {"POST", "/notification-channels", put_channel, "settings.manage", User, kJsonBody, true, true,
     "Create or replace a channel: webhook, slack, smtp or pagerduty, with its config"},
    {"GET", "/notification-channels/{id}", get_channel, "settings.view", User, kNoBody, false, true, "One channel, KIND:NAME"},
    {"DELETE", "/notification-channels/{id}", delete_channel, "settings.manage", User, kNoBody, false, true, "Delete a channel"},
    {"GET", "/notification-settings", get_notification_settings, "settings.view", User, kNoBody, false, true,
     "The organization's retry schedule"},
    {"POST", "/notification-settings", put_notification_settings, "settings.manage", User, kJsonBody, true, true,
     "Set the retry schedule (delays in ms before each attempt)"},
    {"GET", "/notifications", list_notifications, "workflows.view", User, kNoBody, false, true,
     "Notifications, newest first (status, instance, after, skip, limit, count)"},
    {"GET", "/notifications/dead-letters", list_dead_letters, "workflows.view", User, kNoBody, false, true,
     "Dead-lettered notifications with their attempts, newest first"},
    {"GET", "/notifications/{id}", get_notification, "workflows.view", User, kNoBody, false, true, "A notification with its attempts"},
    {"POST", "/notifications/dead-letters/{id}/replay", replay_dead_letter, "workflows.execute", User, kNoBody, false, true,
     "Send a dead letter again, from the first attempt of the schedule"},
    {"POST", "/notifications/dead-letters/replay", replay_dead_letters, "workflows.execute", User, kJsonBody, true, true,
     "Send again every dead letter since a time ({since})"},

    {"POST", "/session", open_session, "", None, kRegistrationBody, true, true,
     "Sign in to the console with a token: an HttpOnly session cookie, and the CSRF token its mutations carry"},
    {"GET", "/session", get_session, "", User, kNoBody, false, true, "The console's session: who, permissions, CSRF token, expiry"},
    {"DELETE", "/session", close_session, "", User, kNoBody, false, true, "Sign out of the console"},
    {"GET", "/users/me", get_me, "", User, kNoBody, false, true, "Who the token acts as: user, organization, roles, permissions"},
    {"GET", "/users", list_users, "settings.manage", User, kNoBody, false, true, "The organization's users with their roles"},
    {"POST", "/users", create_user, "settings.manage", User, kJsonBody, true, true, "Add a user, with roles (none: it may do nothing)"},
    {"GET", "/users/{id}", get_user, "settings.manage", User, kNoBody, false, true, "One user by name"},
    {"PATCH", "/users/{id}", patch_user, "settings.manage", User, kJsonBody, true, true,
     "Change a user's display name or email, or disable it (its tokens stop working)"},
    {"GET", "/roles", list_roles, "settings.manage", User, kNoBody, false, true, "The built-in and custom roles with their permissions"},
    {"POST", "/roles", put_role, "settings.manage", User, kJsonBody, true, true, "Create or replace a custom role"},
    {"DELETE", "/roles/{id}", delete_role, "settings.manage", User, kNoBody, false, true, "Delete a custom role and its grants"},
    {"POST", "/roles/{id}/grant", grant_role, "settings.manage", User, kJsonBody, true, true, "Grant the role to a user"},
    {"POST", "/roles/{id}/revoke", revoke_role, "settings.manage", User, kJsonBody, true, true, "Revoke the role from a user"},
    {"GET", "/tokens", list_tokens, "settings.manage", User, kNoBody, false, true, "API tokens (never their secrets), with their last use"},
    {"POST", "/tokens", create_token, "settings.manage", User, kJsonBody, true, true,
     "A new token for a user (the caller by default), shown once"},
    {"DELETE", "/tokens/{id}", revoke_token, "settings.manage", User, kNoBody, false, true, "Revoke a token (it is kept, refused from now on)"},
    {"GET", "/orgs", list_orgs, "", User, kNoBody, false, true,
     "Organizations: the caller's, or all for administrators of the first organization"},
    {"POST", "/orgs", create_org, "settings.manage", User, kJsonBody, true, true,
     "Create an organization with its first administrator (administrators of the first organization)"},
    {"GET", "/orgs/{id}/automation/status", automation_status, "automation.view", User, kNoBody, false, true,
     "The kill switch: paused or not, by whom, since when, why"},
    {"POST", "/orgs/{id}/automation/pause", pause_automation, "automation.kill_switch", User, kNoBody, true, true,
     "Pause the organization's automation (kill switch), with a reason"},
    {"POST", "/orgs/{id}/automation/resume", resume_automation, "automation.kill_switch", User, kNoBody, false, true,
     "Resume the organization's automation; the instances the switch held go on"},
    {"GET", "/audit", list_audit, "settings.view", User, kNoBody, false, true,
     "The audit log, newest first (actor, action, resource, outcome, since, after, skip, limit, count)"},

    // Beside the API.
    {"GET", "/metrics", metrics, "settings.view", User, kNoBody, false, false,
     "Prometheus metrics (text format 0.0.4); open to anyone under `wf serve --metrics-public`"},
    {"POST", "/hooks/{key}", deliver_hook, "", SignedHook, kJsonBody, false, false,
     "A delivery to the hook whose key is {key}: signed (X-WF-Signature or Standard Webhooks) or with its bearer token"},
    {"GET", "/", console_page, "", None, kNoBody, false, false, "The web console (its other pages: any GET of a path outside /api)"},
};

constexpr std::string_view kApiPrefix = "/api/v1";

// The non-empty segments of a path: "/a//b/" → {"a", "b"}.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    const size_t j = path.find('/', i);
    const size_t end = j == std::string_view::npos ? path.size() : j;
    if (end > i) out.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

bool is_param(std::string_view segment) { return segment.size() > 2 && segment.front() == '{' && segment.back() == '}'; }

// A route's path cut into segments once, with the full path they view.
struct Pattern {
  const Route* route;
  std::string path;
  std::vector<std::string_view> parts;
};

const std::vector<Pattern>& patterns() {
  static const std::vector<Pattern> all = [] {
    std::vector<Pattern> out;
    out.reserve(std::size(kRoutes));
    for (const Route& r : kRoutes) out.push_back({&r, full_path(r), {}});
    // The segments view each Pattern's own string, so they are cut once the vector has stopped moving.
    for (Pattern& p : out) p.parts = segments(p.path);
    return out;
  }();
  return all;
}

// Whether `pattern` fits `path`, each `{name}` taking one segment.
bool fits(const Pattern& pattern, const std::vector<std::string_view>& path) {
  if (pattern.parts.size() != path.size()) return false;
  for (size_t i = 0; i < path.size(); ++i)
    if (!is_param(pattern.parts[i]) && pattern.parts[i] != path[i]) return false;
  return true;
}

// True when `a` is more literal than `b` (two patterns of the same length): at the first segment
// where one has a literal and the other a `{name}`, `a` has the literal.
bool more_literal(const Pattern& a, const Pattern& b) {
  for (size_t i = 0; i < a.parts.size(); ++i) {
    const bool pa = is_param(a.parts[i]), pb = is_param(b.parts[i]);
    if (pa != pb) return !pa;
  }
  return false;
}

}  // namespace

std::string_view auth_policy_name(AuthPolicy policy) {
  switch (policy) {
    case None: return "none";
    case Enrollment: return "enrollment";
    case Agent: return "agent";
    case User: return "user";
    case SignedHook: return "signed_hook";
  }
  return "none";
}

std::string_view PathParams::operator[](std::string_view name) const {
  for (const auto& [n, v] : values_)
    if (n == name) return v;
  return {};
}

std::span<const Route> routes() { return kRoutes; }

size_t largest_body_limit() {
  size_t most = 0;
  for (const Route& r : kRoutes) most = std::max(most, r.body_limit);
  return most;
}

std::string full_path(const Route& route) {
  if (!route.api) return route.path;
  return std::string(kApiPrefix) + route.path;
}

RouteMatch match_route(std::string_view method, std::string_view path) {
  const std::vector<std::string_view> parts = segments(path);
  const Pattern* best = nullptr;
  for (const Pattern& p : patterns())
    if (fits(p, parts) && (!best || more_literal(p, *best))) best = &p;
  RouteMatch out;
  if (!best) return out;
  out.path_known = true;
  const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  for (const Pattern& p : patterns())
    if (p.path == best->path && p.route->method == wanted) out.route = p.route;
  if (!out.route) return out;
  for (size_t i = 0; i < parts.size(); ++i)
    if (is_param(best->parts[i])) out.params.add(best->parts[i].substr(1, best->parts[i].size() - 2), parts[i]);
  return out;
}

}  // namespace wf::service

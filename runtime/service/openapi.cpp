// The OpenAPI 3.1 document of the API (SPEC §5), served at /api/v1/openapi.json. One table lists
// every endpoint; docs/api.md describes the bodies in prose.
#include <nlohmann/json.hpp>

#include "runtime/service/routes.h"

namespace wf::service {

namespace {

struct Endpoint {
  const char* method;
  const char* path;
  const char* summary;
  bool body;
  bool auth;
};

constexpr Endpoint kEndpoints[] = {
    {"get", "/health", "Liveness check", false, false},
    {"get", "/openapi.json", "This document", false, false},
    {"get", "/definitions", "List definitions", false, true},
    {"post", "/definitions", "Upload and compile source: one definition per workflow (422 with diagnostics)", true, true},
    {"get", "/definitions/{id}", "A definition with its latest source", false, true},
    {"patch", "/definitions/{id}", "Update description, template or active flags, or upload a new version (source)", true, true},
    {"delete", "/definitions/{id}", "Delete a definition and its versions", false, true},
    {"get", "/definitions/{id}/versions", "Version history", false, true},
    {"post", "/definitions/{id}/publish", "Publish a version", true, true},
    {"post", "/definitions/{id}/clone", "Clone as NAME (Copy)", false, true},
    {"get", "/definitions/{id}/export", "Export as JSON", false, true},
    {"post", "/definitions/import", "Import exported JSON as a draft", true, true},
    {"post", "/definitions/{id}/run", "Start an instance", true, true},
    {"post", "/definitions/{id}/run-test", "Simulate a run", true, true},
    {"get", "/instances", "List instances (workflow, status, skip, limit)", false, true},
    {"get", "/instances/{id}", "Instance detail", false, true},
    {"post", "/instances/{id}/cancel", "Cancel", false, true},
    {"post", "/instances/{id}/pause", "Pause at the next effect boundary", false, true},
    {"post", "/instances/{id}/resume", "Resume", false, true},
    {"post", "/instances/{id}/retry", "Retry a failed instance from its failed step", false, true},
    {"post", "/instances/{id}/signal", "Deliver an event to `wait event`", true, true},
    {"get", "/instances/{id}/log", "Execution log", false, true},
    {"get", "/instances/{id}/events", "Server-Sent Events of one instance (Last-Event-ID)", false, true},
    {"get", "/events", "Server-Sent Events of the organization (Last-Event-ID)", false, true},
    {"get", "/approvals", "List approval requests (status, instance, skip, limit)", false, true},
    {"get", "/approvals/{id}", "An approval request with its responses", false, true},
    {"post", "/approvals/{id}/respond", "Approve or reject", true, true},
    {"post", "/agents/register", "Register a host with the enrollment secret", true, false},
    {"post", "/agents/heartbeat", "Agent heartbeat", true, true},
    {"post", "/agents/poll", "Long-poll for jobs", true, true},
    {"post", "/agents/jobs/{id}/start", "A job starts", false, true},
    {"post", "/agents/jobs/{id}/output", "Streamed output", true, true},
    {"post", "/agents/jobs/{id}/complete", "A job's report", true, true},
    {"get", "/agents/jobs/{id}/credential", "The secret of a running job's credential, for its agent", false, true},
    {"get", "/agents", "List agents", false, true},
    {"get", "/jobs", "List jobs (status, host, instance, skip, limit)", false, true},
    {"post", "/jobs", "Create an ad-hoc job", true, true},
    {"get", "/jobs/{id}", "A job with its output", false, true},
    {"delete", "/jobs/{id}", "Delete an ended job", false, true},
    {"post", "/jobs/{id}/cancel", "Cancel a queued job", false, true},
    {"post", "/jobs/{id}/retry", "Run an ended ad-hoc job again", false, true},
    {"get", "/hosts", "Registered hosts", false, true},
    {"get", "/groups", "Host groups", false, true},
    {"post", "/groups", "Create or replace a host group", true, true},
    {"get", "/vault/identities", "Vault identities (never their secrets)", false, true},
    {"post", "/vault/identities", "Create or replace an identity with its secret", true, true},
    {"get", "/vault/identities/{id}", "One identity by name", false, true},
    {"delete", "/vault/identities/{id}", "Delete an identity", false, true},
};

std::string build() {
  nlohmann::ordered_json error_schema = {
      {"type", "object"},
      {"required", {"error"}},
      {"properties",
       {{"error", {{"type", "object"}, {"required", {"code", "message"}}, {"properties", {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}};
  nlohmann::ordered_json doc = {
      {"openapi", "3.1.0"},
      {"info", {{"title", "wf"}, {"version", "1"}, {"description", "The wf service API: workflow definitions, instances, approvals, jobs and agents."}}},
      {"servers", {{{"url", "/api/v1"}}}},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas", {{"Error", error_schema}}}}},
      {"paths", nlohmann::ordered_json::object()}};
  for (const Endpoint& e : kEndpoints) {
    nlohmann::ordered_json op = {{"summary", e.summary}};
    nlohmann::ordered_json params = nlohmann::ordered_json::array();
    if (std::string(e.path).find("{id}") != std::string::npos)
      params.push_back({{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    if (!params.empty()) op["parameters"] = params;
    if (e.body) op["requestBody"] = {{"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    op["security"] = e.auth ? nlohmann::ordered_json::array({{{"bearer", nlohmann::ordered_json::array()}}}) : nlohmann::ordered_json::array();
    nlohmann::ordered_json err = {{"description", "error"}, {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
    op["responses"] = {{"200", {{"description", "success"}}}, {"4XX", err}};
    doc["paths"][e.path][e.method] = op;
  }
  return doc.dump();
}

}  // namespace

const std::string& openapi_document() {
  static const std::string doc = build();
  return doc;
}

}  // namespace wf::service

// The OpenAPI 3.1 document of the API (SPEC §5), served at /api/v1/openapi.json: generated from
// the route table's rows under /api/v1, so it lists exactly what the router serves. docs/api.md
// describes the bodies in prose.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "runtime/service/routes.h"

namespace wf::service {

namespace {

// The document's `security` for a route of `policy`: the token it takes, or none ([]).
nlohmann::ordered_json security(AuthPolicy policy) {
  switch (policy) {
    case AuthPolicy::User: return nlohmann::ordered_json::array({{{"user_token", nlohmann::ordered_json::array()}}});
    case AuthPolicy::Agent: return nlohmann::ordered_json::array({{{"agent_token", nlohmann::ordered_json::array()}}});
    case AuthPolicy::None:
    case AuthPolicy::Enrollment:
    case AuthPolicy::SignedHook: break;
  }
  return nlohmann::ordered_json::array();
}

// The names of a path's `{name}` segments, in order.
std::vector<std::string> path_parameters(std::string_view path) {
  std::vector<std::string> out;
  for (size_t open = path.find('{'); open != std::string_view::npos; open = path.find('{', open + 1)) {
    const size_t close = path.find('}', open);
    if (close == std::string_view::npos) break;
    out.emplace_back(path.substr(open + 1, close - open - 1));
  }
  return out;
}

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
       {{"securitySchemes",
         {{"user_token", {{"type", "http"}, {"scheme", "bearer"}, {"description", "A user's token (the admin token of DATA/admin.token)"}}},
          {"agent_token", {{"type", "http"}, {"scheme", "bearer"}, {"description", "An agent's token, issued by agents/register"}}}}},
        {"schemas", {{"Error", error_schema}}}}},
      {"paths", nlohmann::ordered_json::object()}};
  for (const Route& route : routes()) {
    if (!route.api) continue;
    nlohmann::ordered_json op = {{"summary", route.summary}};
    nlohmann::ordered_json params = nlohmann::ordered_json::array();
    for (const std::string& name : path_parameters(route.path))
      params.push_back({{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    if (!params.empty()) op["parameters"] = params;
    if (route.json_body) op["requestBody"] = {{"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    op["security"] = security(route.auth);
    // What `security` cannot say: the enrollment secret in the body, the permission a user needs
    // (SPEC §4.7) and the largest body taken.
    op["x-wf-auth"] = auth_policy_name(route.auth);
    if (*route.permission) op["x-wf-permission"] = route.permission;
    op["x-wf-body-limit"] = route.body_limit;
    nlohmann::ordered_json err = {{"description", "error"}, {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
    op["responses"] = {{"200", {{"description", "success"}}}, {"4XX", err}};
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char ch) { return std::tolower(ch); });
    doc["paths"][route.path][method] = op;
  }
  return doc.dump();
}

}  // namespace

const std::string& openapi_document() {
  static const std::string doc = build();
  return doc;
}

}  // namespace wf::service

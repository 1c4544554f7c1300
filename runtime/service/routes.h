// The API's handlers by resource (SPEC §5), each given the path segments after its resource name:
// `/api/v1/instances/7/cancel` reaches instances_api with {"7", "cancel"}.
#pragma once

#include <string_view>
#include <vector>

#include "runtime/service/api_support.h"

namespace wf::service {

using Segments = std::vector<std::string_view>;

void definitions_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const Segments& s);
void instances_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const Segments& s);
void approvals_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const Segments& s);
void agents_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const Segments& s);
void jobs_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const Segments& s);
void hosts_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const Segments& s);
void groups_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const Segments& s);
void vault_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const Segments& s);
// An agent's job asks for its credential's secret (running, on this agent, checkout still open).
void job_credential(Context& c, const Principal& who, ExchangePtr x, int64_t job_id);
// An identity of the vault, without its secret, for `checkout`.
std::optional<engine::IdentityInfo> find_identity(Context& c, int64_t org, const std::string& name);
void events_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, std::optional<int64_t> instance);

// Registration is the one agent call made without a token (it carries the enrollment secret).
void register_agent(Context& c, http::Request& r, ExchangePtr x);

// The instance detail of docs/api.md, read from the store; null when there is no such instance.
nlohmann::json instance_detail(Context& c, int64_t id);

// The OpenAPI document of every endpoint.
const std::string& openapi_document();

void method_not_allowed(http::Exchange& x);

}  // namespace wf::service

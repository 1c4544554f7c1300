// What the service says of itself: its health, the OpenAPI document of its API, its metrics in
// the Prometheus text format (SPEC §4.8), and the page at `/` where the web console will be.
#include <fmt/format.h>

#include "runtime/service/routes.h"

namespace wf::service {

namespace {

// One metric with its HELP and TYPE lines (text format 0.0.4).
void add_metric(std::string& out, const char* name, const char* type, const char* help, uint64_t value) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
}

// The web console (SPEC §4.12) is not built yet; its place says so and points to the API.
constexpr const char* kConsolePage = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>wf</title></head>
<body>
<h1>wf</h1>
<p>The web console is not built yet.</p>
<p>The API is served under <code>/api/v1</code>; its description is at
<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
</body>
</html>
)";

}  // namespace

void health(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  reply_json(*x, 200, {{"ok", true}});
}

// Readiness, apart from liveness: false (503) while the engine recovers its live instances, so a
// load balancer or an orchestrator sends work only once it can all be done.
void ready(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const bool recovered = !c.engine->recovering();
  reply_json(*x, recovered ? 200 : 503, {{"ready", recovered}});
}

void openapi_json(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  x->respond(http::Response::json(200, openapi_document()));
}

void metrics(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  std::string out;
  add_metric(out, "wf_transitions_total", "counter", "Transitions the engine has run since the service started.",
             c.engine->transitions());
  add_metric(out, "wf_live_instances", "gauge", "Instances that have not ended, held in memory.", c.engine->live_instances());
  add_metric(out, "wf_agent_polls_waiting", "gauge", "Agents' long-polls waiting for a job.", c.engine->waiting_polls());
  add_metric(out, "wf_store_commits_total", "counter", "Transactions the store's writer has committed since the service started.",
             c.writer->commits());
  add_metric(out, "wf_store_units_total", "counter",
             "Units of work the store's writer has committed since the service started (a transaction holds several).",
             c.writer->units());
  x->respond(http::Response{200, {{"Content-Type", "text/plain; version=0.0.4"}}, std::move(out)});
}

void console_page(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  x->respond(http::Response{200, {{"Content-Type", "text/html; charset=utf-8"}}, kConsolePage});
}

}  // namespace wf::service

// What the service says of itself: its health, the OpenAPI document of its API, its metrics in
// the Prometheus text format (SPEC §4.8) (the web console's page: console_static.cpp).
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "runtime/service/exposition.h"
#include "runtime/service/http_metrics.h"
#include "runtime/service/notification_metrics.h"
#include "runtime/service/routes.h"
#include "runtime/service/run_metrics.h"
#include "runtime/service/store_metrics.h"
#include "runtime/service/views.h"
#include "runtime/service/build_info.h"

namespace wf::service {

namespace {

// One metric of a single sample with its HELP and TYPE lines.
void add_metric(Exposition& out, const char* name, const char* type, const char* help, double value) {
  out.family(name, type, help);
  out.sample(name, value);
}

// The process's own figures, from getrusage and /proc/self (Linux).
void add_process_metrics(Exposition& out) {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    add_metric(out, "wf_process_cpu_seconds_total", "counter", "CPU time the service has used, user and system.", cpu);
  }
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  if (statm >> pages >> resident)
    add_metric(out, "wf_process_resident_memory_bytes", "gauge", "The service's resident memory.",
               static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)));
  std::error_code ec;
  size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  if (!ec) add_metric(out, "wf_process_open_fds", "gauge", "File descriptors the service holds open.", static_cast<double>(fds));
}

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
  if (!c.metrics_on) return reply_error(*x, 404, "not_found", "metrics are off");
  Exposition out;
  engine::Engine& engine = *c.engine;
  add_metric(out, "wf_transitions_total", "counter", "Transitions the engine has run since the service started.",
             static_cast<double>(engine.transitions()));
  add_metric(out, "wf_live_instances", "gauge", "Instances that have not ended, held in memory.", static_cast<double>(engine.live_instances()));
  const auto jobs = engine.live_jobs_by_status();
  out.family("wf_jobs", "gauge", "Jobs not yet ended, by status.");
  for (const store::JobStatus s : {store::JobStatus::Queued, store::JobStatus::Dispatched, store::JobStatus::Running}) {
    const auto it = jobs.find(s);
    out.sample("wf_jobs", {{"status", name(s)}}, it == jobs.end() ? 0.0 : static_cast<double>(it->second));
  }
  out.family("wf_job_queue_depth", "gauge", "Jobs waiting in a host's queue, by host and priority.");
  for (const auto& q : engine.queue_depths()) {
    const auto priority = static_cast<size_t>(q.priority) < store::kJobPriorityNames.size() ? store::kJobPriorityNames[static_cast<size_t>(q.priority)]
                                                                                              : std::string_view("other");
    out.sample("wf_job_queue_depth", {{"host", q.host}, {"priority", priority}}, static_cast<double>(q.jobs));
  }
  add_metric(out, "wf_agent_polls_waiting", "gauge", "Agents' long-polls waiting for a job.", static_cast<double>(engine.waiting_polls()));
  add_metric(out, "wf_approvals_pending", "gauge", "Approval requests waiting for answers.", static_cast<double>(engine.pending_approvals()));
  add_metric(out, "wf_timers_armed", "gauge", "Timers the engine holds (sleeps, timeouts, deferred starts, retry delays).",
             static_cast<double>(engine.armed_timers()));
  add_metric(out, "wf_event_streams", "gauge", "Server-Sent Events clients connected now.", static_cast<double>(c.event_streams));
  add_metric(out, "wf_agents_online", "gauge", "Agents whose last heartbeat came within the last 30 seconds.",
             static_cast<double>(engine.agents_heard_within(kOnlineWithinMs)));
  if (c.store_metrics) c.store_metrics->render(out, *c.writer);
  if (c.run_metrics) c.run_metrics->render(out);
  if (c.http_metrics) c.http_metrics->render(out);
  if (c.notification_metrics)
    c.notification_metrics->render(out, c.notifications_pending ? c.notifications_pending() : 0);
  add_process_metrics(out);
  out.family("wf_build_info", "gauge", "Always 1; its label says which version of wf serves.");
  out.sample("wf_build_info", {{"version", kWfVersion}}, 1);
  x->respond(http::Response{200, {{"Content-Type", "text/plain; version=0.0.4"}}, out.take()});
}


}  // namespace wf::service

// Request lines of the log (see request_log.h).
#include "runtime/service/request_log.h"

#include <uv.h>

#include <cmath>

#include "runtime/log/log.h"

namespace wf::service {

std::shared_ptr<std::string> log_request(ObservedExchange& x, const RouteMatch& match, const http::Request& r, uint64_t routed_ns) {
  if (!log::enabled(log::Level::Info)) return nullptr;
  auto actor = std::make_shared<std::string>();
  std::string route = match.route ? full_path(*match.route) : match.path_known ? "(other method)" : "(no route)";
  x.observe([actor, route = std::move(route), method = r.method, id = x.request_id(), routed_ns](const ObservedExchange::Answer& a) {
    const double ms = std::round(static_cast<double>(uv_hrtime() - routed_ns) / 1e3) / 1e3;
    log::info("request", {{"method", method},
                          {"route", route},
                          {"status", a.status},
                          {"duration_ms", ms},
                          {"request_id", id},
                          {"actor", *actor},
                          {"delivered", a.delivered ? "yes" : "no"}});
  });
  return actor;
}

}  // namespace wf::service

// The log's line of each request (`wf serve --log-level info` and below): method, route
// template, status, duration, request id and the caller who acted — never a token, a body or a
// query string, which may carry secrets.
#pragma once

#include <memory>
#include <string>

#include "runtime/http/request.h"
#include "runtime/service/observed_exchange.h"
#include "runtime/service/route_table.h"

namespace wf::service {

// Has `x` write the request's line once it is answered. Returns where the router writes the
// caller's name once it knows it ("" stays for a caller without a token); null when request
// lines are not logged at the configured level.
std::shared_ptr<std::string> log_request(ObservedExchange& x, const RouteMatch& match, const http::Request& r, uint64_t routed_ns);

}  // namespace wf::service

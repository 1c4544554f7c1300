// Each request's id (`X-Request-Id`): the caller's own when it sends a sane one, else one the
// service makes, unique while it runs. Every answer carries it and the audit log records it, so
// a client's report and the log's row can be matched.
#pragma once

#include <string>
#include <string_view>

#include "runtime/http/request.h"

namespace wf::service {

// Whether `id` may be taken as it is: 1 to 64 characters of [A-Za-z0-9._-] (nothing that could
// break a header or a log line).
bool sane_request_id(std::string_view id);
// The request's `X-Request-Id` when sane, else a new id: 16 hex digits, 8 drawn once per process
// and 8 counting the requests.
std::string request_id(const http::Request& r);

}  // namespace wf::service

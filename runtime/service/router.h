// The router of `wf serve`: every request goes through route() to the handler of its row of the
// route table (route_table.h).
#pragma once

#include "runtime/service/api_support.h"

namespace wf::service {

// Answers `r`: 404 when no route has its path, 405 when none of that path takes its method; then
// authenticates the caller once, by the route's policy (401 without a known token, 403 for the
// other kind of token), refuses a body over the route's limit (413) and calls the handler. Runs on
// the loop thread; `r` is valid during the call only.
void route(Context& c, http::Request& r, ExchangePtr x);

}  // namespace wf::service

// What the audit log (SPEC §4.7) records of the requests the service answers, and when: every
// request that would change something (a method other than GET and HEAD) on a route for users or
// for enrollment, and every request refused with 401 or 403, on any route. The agents' own calls
// are not recorded unless refused: the jobs' rows are their history. The row is written through the
// store's writer once the answer is given; one that is not stored is said on stderr and never
// changes the answer.
#pragma once

#include <string>
#include <string_view>

#include "runtime/service/api_support.h"
#include "runtime/service/observed_exchange.h"
#include "runtime/service/route_table.h"
#include "runtime/store/audit.h"

namespace wf::service {

// The row of a request in the making: the router fills in what the request says, then who made
// it; the answer adds the rest.
struct AuditDraft {
  const Route* route = nullptr;
  store::AuditRow row;

  // Who made the request (the principal's organization, kind, name and token).
  void by(const Principal& who);
};

// Whether a request of `method` to `route` answered with `status` is recorded.
bool audited(const Route& route, std::string_view method, int status);
// "ok" for 2xx and 3xx, "denied" for 401 and 403, "error" for anything else.
store::AuditOutcome audit_outcome(int status);
// The address of "127.0.0.1:50312" or "[::1]:50312" without its port.
std::string client_address(std::string_view peer);

// Starts the draft of request `r`, matched to `route` with `params`, by an anonymous caller of
// the service's organization, and has `x` record it when its answer is one the log keeps.
void audit_request(Context& c, ObservedExchange& x, const Route& route, const PathParams& params, const http::Request& r);
// A registration whose enrollment secret named organization `org`: its row belongs to `org` and
// names the host as its actor and resource (the caller had no token to say so).
void audit_registration(http::Exchange& x, int64_t org, std::string_view host);

}  // namespace wf::service

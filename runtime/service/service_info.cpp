// What the service says of itself: its health and the OpenAPI document of its API.
#include "runtime/service/routes.h"

namespace wf::service {

void health(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  reply_json(*x, 200, {{"ok", true}});
}

void openapi_json(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  x->respond(http::Response::json(200, openapi_document()));
}

}  // namespace wf::service

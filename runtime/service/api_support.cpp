// Shared pieces of the API handlers (see api_support.h).
#include "runtime/service/api_support.h"

#include <fmt/format.h>

#include "bytecode/module_codec.h"
#include "runtime/store/definitions.h"
#include "vm/render.h"
#include "runtime/log/log.h"

namespace wf::service {

std::shared_ptr<const vm::Program> ProgramCache::get(int64_t definition_id, int64_t version) {
  auto key = std::make_pair(definition_id, version);
  if (auto it = programs_.find(key); it != programs_.end()) return it->second;
  auto bytes = store::definitions::module(reader_, definition_id, version);
  if (!bytes.ok()) {
    log::error(fmt::format("definition {} version {}: {}", definition_id, version, bytes.error()));
    return nullptr;
  }
  if (!*bytes) return nullptr;
  bytecode::DecodeResult decoded = bytecode::decode_module(**bytes);
  if (!decoded.ok()) return nullptr;
  std::string error;
  auto program = vm::load_program(std::move(decoded).module(), error);
  if (program) programs_[key] = program;
  return program;
}

void reply_recovering(http::Exchange& x) {
  nlohmann::json body = {{"error", {{"code", "recovering"}, {"message", "the service is recovering its instances; try again shortly"}}}};
  http::Response response = http::Response::json(503, body.dump());
  response.headers.push_back({"Retry-After", "1"});
  x.respond(std::move(response));
}

bool reply_refusal(http::Exchange& x, const engine::OpResult& r) {
  switch (r.outcome) {
    case engine::Outcome::Ok: return false;
    case engine::Outcome::NotFound: reply_error(x, 404, "not_found", r.message); return true;
    case engine::Outcome::Conflict: reply_error(x, 409, "conflict", r.message); return true;
    case engine::Outcome::BadRequest: reply_error(x, 400, "bad_request", r.message); return true;
    case engine::Outcome::Unavailable: reply_error(x, 503, "unavailable", r.message); return true;
  }
  return false;
}

void reply_not_stored(http::Exchange& x, const std::string& error) {
  reply_error(x, 503, "store_unavailable",
              fmt::format("the change could not be stored, so nothing changed ({}); reads still work; try again once the store "
                          "takes writes (is its disk full?)",
                          error));
}

void reply_items(http::Exchange& x, nlohmann::json items) {
  const auto total = static_cast<int64_t>(items.size());
  reply_json(x, 200, page_json(std::move(items), std::nullopt, total));
}

engine::Done reply_after_commit(ExchangePtr x, int status, std::function<nlohmann::json()> body) {
  return [x = std::move(x), status, body = std::move(body)](bool ok, const std::string& error) {
    if (!ok) reply_not_stored(*x, error);
    else reply_json(*x, status, body ? body() : nlohmann::json{{"ok", true}});
  };
}

bool keyset_paging(const http::Request& r, http::Exchange& x, store::Paging& page) {
  if (!paging(r, x, page.skip, page.limit)) return false;
  if (auto a = r.query_param("after")) {
    page.after = parse_id(*a);
    if (!page.after) {
      reply_error(x, 400, "bad_request", "`after` must be the `next` of an earlier page");
      return false;
    }
  }
  page.count = false;
  if (auto c = r.query_param("count")) {
    if (*c != "true" && *c != "false") {
      reply_error(x, 400, "bad_request", "`count` must be true or false");
      return false;
    }
    page.count = *c == "true";
  }
  return true;
}

nlohmann::json page_json(nlohmann::json items, std::optional<int64_t> next, std::optional<int64_t> total) {
  nlohmann::json out = {{"items", std::move(items)}};
  if (next) out["next"] = std::to_string(*next);
  if (total) out["total"] = *total;
  return out;
}

std::string format_time(int64_t ms) { return vm::format_instant(ms); }

}  // namespace wf::service

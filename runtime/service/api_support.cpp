// Shared pieces of the API handlers (see api_support.h).
#include "runtime/service/api_support.h"

#include <fmt/format.h>

#include "bytecode/module_codec.h"
#include "runtime/store/definitions.h"
#include "vm/render.h"

namespace wf::service {

std::shared_ptr<const vm::Program> ProgramCache::get(int64_t definition_id, int64_t version) {
  auto key = std::make_pair(definition_id, version);
  if (auto it = programs_.find(key); it != programs_.end()) return it->second;
  auto bytes = store::definitions::module(reader_, definition_id, version);
  if (!bytes.ok()) {
    fmt::print(stderr, "wf serve: definition {} version {}: {}\n", definition_id, version, bytes.error());
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

engine::Done reply_after_commit(ExchangePtr x, int status, std::function<nlohmann::json()> body) {
  return [x = std::move(x), status, body = std::move(body)](bool ok, const std::string& error) {
    if (!ok) reply_error(*x, 500, "internal", "the change could not be stored: " + error);
    else reply_json(*x, status, body ? body() : nlohmann::json{{"ok", true}});
  };
}

std::string format_time(int64_t ms) { return vm::format_instant(ms); }

}  // namespace wf::service

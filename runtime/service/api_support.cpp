// Shared pieces of the API handlers (see api_support.h).
#include "runtime/service/api_support.h"

#include <fmt/format.h>

#include <charconv>
#include <ctime>

#include "bytecode/module_codec.h"

namespace wf::service {

std::shared_ptr<const vm::Program> ProgramCache::get(int64_t definition_id, int64_t version) {
  auto key = std::make_pair(definition_id, version);
  if (auto it = programs_.find(key); it != programs_.end()) return it->second;
  auto& q = reader_.prepare("SELECT module FROM definition_versions WHERE definition_id = ?1 AND version = ?2");
  q.bind(1, definition_id).bind(2, version);
  if (!q.step()) {
    q.reset();
    return nullptr;
  }
  const std::string_view blob = q.column_blob(0);
  std::vector<uint8_t> bytes(blob.begin(), blob.end());
  q.reset();
  bytecode::DecodeResult decoded = bytecode::decode_module(bytes);
  if (!decoded.ok()) return nullptr;
  std::string error;
  auto program = vm::load_program(std::move(decoded).module(), error);
  if (program) programs_[key] = program;
  return program;
}

void reply_error(http::Exchange& x, int status, std::string_view code, std::string_view message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  x.respond(http::Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

void reply_json(http::Exchange& x, int status, const nlohmann::json& body) {
  x.respond(http::Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

bool reply_refusal(http::Exchange& x, const engine::OpResult& r) {
  switch (r.outcome) {
    case engine::Outcome::Ok: return false;
    case engine::Outcome::NotFound: reply_error(x, 404, "not_found", r.message); return true;
    case engine::Outcome::Conflict: reply_error(x, 409, "conflict", r.message); return true;
    case engine::Outcome::BadRequest: reply_error(x, 400, "bad_request", r.message); return true;
  }
  return false;
}

engine::Done reply_after_commit(ExchangePtr x, int status, std::function<nlohmann::json()> body) {
  return [x = std::move(x), status, body = std::move(body)](bool ok, const std::string& error) {
    if (!ok) reply_error(*x, 500, "internal", "the change could not be stored: " + error);
    else reply_json(*x, status, body ? body() : nlohmann::json{{"ok", true}});
  };
}

std::optional<nlohmann::json> body_object(const http::Request& r, http::Exchange& x) {
  if (r.body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) {
    reply_error(x, 400, "bad_request", "the body is not valid JSON");
    return std::nullopt;
  }
  if (!j.is_object()) {
    reply_error(x, 400, "bad_request", "the body must be a JSON object");
    return std::nullopt;
  }
  return j;
}

void Fields::wrong(const char* key, const char* expected) {
  if (error_.empty()) error_ = fmt::format("`{}` must be {}", key, expected);
}

std::optional<std::string> Fields::string(const char* key, bool required) {
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) {
    if (required) wrong(key, "given (a string)");
    return std::nullopt;
  }
  if (!it->is_string()) {
    wrong(key, "a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<int64_t> Fields::integer(const char* key, bool required) {
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) {
    if (required) wrong(key, "given (an integer)");
    return std::nullopt;
  }
  if (!it->is_number_integer()) {
    wrong(key, "an integer");
    return std::nullopt;
  }
  return it->get<int64_t>();
}

std::optional<bool> Fields::boolean(const char* key) {
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) {
    wrong(key, "true or false");
    return std::nullopt;
  }
  return it->get<bool>();
}

std::optional<std::vector<std::string>> Fields::strings(const char* key) {
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) return std::nullopt;
  if (!it->is_array()) {
    wrong(key, "a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& e : *it) {
    if (!e.is_string()) {
      wrong(key, "a list of strings");
      return std::nullopt;
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

const nlohmann::json* Fields::object(const char* key) {
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) return nullptr;
  if (!it->is_object()) {
    wrong(key, "an object");
    return nullptr;
  }
  return &*it;
}

bool Fields::ok(http::Exchange& x) const {
  if (error_.empty()) return true;
  reply_error(x, 400, "bad_request", error_);
  return false;
}

std::optional<int64_t> parse_id(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

bool paging(const http::Request& r, http::Exchange& x, int64_t& skip, int64_t& limit) {
  skip = 0;
  limit = 50;
  for (auto [name, target, max] : {std::tuple{"skip", &skip, INT64_MAX}, std::tuple{"limit", &limit, int64_t{1000}}}) {
    auto v = r.query_param(name);
    if (!v) continue;
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size() || n < 0 || n > max) {
      reply_error(x, 400, "bad_request", fmt::format("`{}` must be an integer from 0 to {}", name, max));
      return false;
    }
    *target = n;
  }
  return true;
}

std::string format_time(int64_t ms) {
  const time_t secs = static_cast<time_t>(ms / 1000);
  struct tm t;
  gmtime_r(&secs, &t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                     t.tm_min, t.tm_sec, ms % 1000);
}

std::optional<int64_t> parse_time(const nlohmann::json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (!j.is_string()) return std::nullopt;
  const std::string s = j.get<std::string>();
  struct tm t = {};
  int ms = 0;
  char rest[16] = {0};
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour,
                            &t.tm_min, &t.tm_sec, rest);
  if (n < 6) return std::nullopt;
  std::string_view tail(rest);
  if (!tail.empty() && tail.front() == '.') {
    size_t k = 1, digits = 0;
    while (k < tail.size() && std::isdigit(static_cast<unsigned char>(tail[k]))) {
      if (digits < 3) ms = ms * 10 + (tail[k] - '0');
      ++digits;
      ++k;
    }
    for (; digits < 3; ++digits) ms *= 10;
    tail.remove_prefix(k);
  }
  int64_t offset_s = 0;
  if (tail == "Z" || tail.empty()) {
  } else if ((tail.front() == '+' || tail.front() == '-') && tail.size() == 6 && tail[3] == ':') {
    const int hh = (tail[1] - '0') * 10 + (tail[2] - '0'), mm = (tail[4] - '0') * 10 + (tail[5] - '0');
    offset_s = (hh * 3600 + mm * 60) * (tail.front() == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  const time_t secs = timegm(&t);
  if (secs == static_cast<time_t>(-1)) return std::nullopt;
  return (static_cast<int64_t>(secs) - offset_s) * 1000 + ms;
}

nlohmann::json time_or_null(const store::Statement& s, int col) {
  if (s.column_is_null(col)) return nullptr;
  return format_time(s.column_int64(col));
}

}  // namespace wf::service

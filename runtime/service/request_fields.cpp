// Reading requests' bodies, paging, ids and times (see request_fields.h).
#include "runtime/service/request_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <tuple>

namespace wf::service {

void reply_error(http::Exchange& x, int status, std::string_view code, std::string_view message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  x.respond(http::Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

void reply_json(http::Exchange& x, int status, const nlohmann::json& body) {
  x.respond(http::Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

namespace {

// Nothing the API takes is nested this deep. The limit matters because the JSON library writes a
// value out (dump) by recursing once per level: a body of a few hundred thousand brackets, stored
// as a parameter or a payload, would otherwise exhaust the stack of the service's loop.
constexpr int kMaxBodyDepth = 64;

}  // namespace

std::optional<nlohmann::json> body_object(const http::Request& r, http::Exchange& x) {
  if (r.body.empty()) return nlohmann::json::object();
  bool too_deep = false;
  // The callback prunes everything below the limit as it is parsed, so a deep body is never
  // built in memory either.
  auto j = nlohmann::json::parse(
      r.body,
      [&too_deep](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxBodyDepth) too_deep = true;
        return !too_deep;
      },
      false);
  if (too_deep) {
    reply_error(x, 400, "bad_request", fmt::format("the body is nested more than {} levels deep", kMaxBodyDepth));
    return std::nullopt;
  }
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

std::optional<int64_t> parse_time(const nlohmann::json& j) {
  // Times are from 1970 to the end of year 9999, as strings and as milliseconds alike.
  constexpr int64_t kLastMs = 253402300799999;  // 9999-12-31T23:59:59.999Z
  if (j.is_number_unsigned()) {
    const uint64_t v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(kLastMs)) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (j.is_number_integer()) {
    const int64_t v = j.get<int64_t>();
    if (v < 0 || v > kLastMs) return std::nullopt;
    return v;
  }
  if (!j.is_string()) return std::nullopt;
  const std::string s = j.get<std::string>();
  struct tm t = {};
  int ms = 0;
  char rest[16] = {0};
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour,
                            &t.tm_min, &t.tm_sec, rest);
  if (n < 6) return std::nullopt;
  // timegm would quietly carry a 13th month or a 99th minute into the next year or hour: a time
  // that is not on the calendar is refused instead.
  if (t.tm_year < 1970 || t.tm_year > 9999 || t.tm_mon < 1 || t.tm_mon > 12 || t.tm_mday < 1 || t.tm_mday > 31 ||
      t.tm_hour > 23 || t.tm_min > 59 || t.tm_sec > 60 || t.tm_hour < 0 || t.tm_min < 0 || t.tm_sec < 0)
    return std::nullopt;
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
  } else if ((tail.front() == '+' || tail.front() == '-') && tail.size() == 6 && tail[3] == ':' &&
             std::isdigit(static_cast<unsigned char>(tail[1])) && std::isdigit(static_cast<unsigned char>(tail[2])) &&
             std::isdigit(static_cast<unsigned char>(tail[4])) && std::isdigit(static_cast<unsigned char>(tail[5]))) {
    const int hh = (tail[1] - '0') * 10 + (tail[2] - '0'), mm = (tail[4] - '0') * 10 + (tail[5] - '0');
    if (hh > 23 || mm > 59) return std::nullopt;
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

bool time_param(const http::Request& r, http::Exchange& x, const char* param, std::optional<int64_t>& out) {
  const std::optional<std::string> text = r.query_param(param);
  if (!text) return true;
  const bool digits = !text->empty() && text->size() <= 18 &&
                      std::all_of(text->begin(), text->end(), [](unsigned char ch) { return std::isdigit(ch) != 0; });
  out = parse_time(digits ? nlohmann::json(std::stoll(*text)) : nlohmann::json(*text));
  if (out) return true;
  reply_error(x, 400, "bad_request", fmt::format("`{}` must be an RFC 3339 time or milliseconds since the epoch", param));
  return false;
}

bool valid_name(http::Exchange& x, std::string_view field, std::string_view name) {
  const bool valid = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-' || ch == '@';
  });
  if (!valid) reply_error(x, 400, "bad_request", fmt::format("`{}` must be 1 to 64 letters, digits, '.', '_', '-' or '@'", field));
  return valid;
}

}  // namespace wf::service

// Reading what a request to the API sends: its JSON body with its fields' types checked, its
// paging parameters, ids and times, and the one error shape of SPEC §4.7 a refusal answers with.
// It needs nothing of the service but the request and its exchange, so it can be fuzzed alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/http/exchange.h"
#include "runtime/http/request.h"

namespace wf::service {

// {"error": {"code", "message"}} with its status.
void reply_error(http::Exchange& x, int status, std::string_view code, std::string_view message);
void reply_json(http::Exchange& x, int status, const nlohmann::json& body);

// The request's body as a JSON object; an empty body is {}. Answers 400 and returns nullopt
// otherwise, and for a body nested too deep to handle safely.
std::optional<nlohmann::json> body_object(const http::Request& r, http::Exchange& x);

// Reads typed fields of a JSON object, remembering the first problem.
class Fields {
 public:
  explicit Fields(const nlohmann::json& j) : j_(j) {}
  std::optional<std::string> string(const char* key, bool required = false);
  std::optional<int64_t> integer(const char* key, bool required = false);
  std::optional<bool> boolean(const char* key);
  std::optional<std::vector<std::string>> strings(const char* key);
  const nlohmann::json* object(const char* key);
  // False after answering 400 when any field was wrong.
  bool ok(http::Exchange& x) const;
  // What was wrong ("" when nothing was), for a caller that answers otherwise than with a 400.
  const std::string& error() const { return error_; }

 private:
  void wrong(const char* key, const char* expected);
  const nlohmann::json& j_;
  std::string error_;
};

// skip/limit of a list request (limit at most 1000); answers 400 and returns false when invalid.
bool paging(const http::Request& r, http::Exchange& x, int64_t& skip, int64_t& limit);
// A path segment as an id; nullopt when it is not a positive integer.
std::optional<int64_t> parse_id(std::string_view text);

// An RFC 3339 string or an integer of milliseconds since the epoch, from 1970 to 9999.
std::optional<int64_t> parse_time(const nlohmann::json& j);
// The query parameter `param` as a time: milliseconds since the epoch or an RFC 3339 time; `out`
// stays nullopt when it is not given. Answers 400 and returns false when it is neither.
bool time_param(const http::Request& r, http::Exchange& x, const char* param, std::optional<int64_t>& out);
// Whether `name`, the body's field `field`, is a name of a user, a role or an organization: 1 to
// 64 letters, digits, '.', '_', '-' or '@'. Answers 400 saying so when it is not.
bool valid_name(http::Exchange& x, std::string_view field, std::string_view name);

}  // namespace wf::service

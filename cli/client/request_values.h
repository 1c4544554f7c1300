// Turning the client commands' arguments into the values the service's API takes: parameter
// values for `wf start --param` and `wf scripts run --param`, host and group lists, the start time
// of `--at`, the duration of `wf wait --timeout`, and the integer ids of instances and approvals.
// Each parser says what was wrong in a message ready to print after "wf: ".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client/json_fields.h"

namespace wf::cli {

// A `--param k=v` value: `v` as typed JSON when it parses as JSON (numbers, booleans, null,
// lists, objects, quoted strings), else `v` itself as a string; the service converts a string to
// the parameter's type (a duration "5m", a host name, ...).
Json param_value(std::string_view text);

struct ParamAssignment {
  std::string name;
  Json value;
};

// `k=v` → {k, param_value(v)}; nullopt with `error` set when there is no `=` or no name.
std::optional<ParamAssignment> parse_param_assignment(std::string_view text, std::string& error);

// Every `--param k=v` of a command as the `params` object the service takes; nullopt with `error`
// set when one is malformed or a name is given twice.
std::optional<Json> param_object(const std::vector<std::string>& assignments, std::string& error);

// "a, b,,c" → ["a", "b", "c"]: names are trimmed and empty ones dropped.
std::vector<std::string> split_names(std::string_view list);

// A duration as the language writes it (SPEC §1.1): `500ms`, `30s`, `5m`, `2h`, `1d` and compounds
// like `1h30m`, in milliseconds; nullopt when malformed or longer than about a century.
std::optional<int64_t> parse_duration_ms(std::string_view text);

using SystemClock = std::chrono::system_clock;

// The `--at` of `wf start`: an RFC 3339 time (`2026-11-21T08:00:00Z`, `...T09:00:00.5+01:00`) or a
// duration from `now` written with a plus sign (`+10m`). nullopt with `error` set otherwise.
std::optional<SystemClock::time_point> parse_start_time(std::string_view text, SystemClock::time_point now,
                                                        std::string& error);

// `t` as the API writes times: RFC 3339 in UTC with milliseconds, `2026-11-21T08:00:00.000Z`.
std::string format_rfc3339_utc(SystemClock::time_point t);

// An instance or approval id: a positive decimal integer; nullopt for anything else.
std::optional<int64_t> parse_id(std::string_view text);

}  // namespace wf::cli

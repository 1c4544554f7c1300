// How runtime values become text and JSON (SPEC §1.4 interpolation, §6 `wf run` output) and how
// JSON becomes values, plus the shapes of the record-like Approver and Channel values, so that the
// natives, the VM and every host render and build them the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "vm/value.h"

namespace wf::vm {

class Shape;

// ---- Text -------------------------------------------------------------------------------------

// The interpolation text of `v` (`{{ v }}`, `str(v)`):
//   int      decimal
//   float    shortest text that reads back as the same double; a float with an integral value
//            keeps a `.0` (`1.0`, not `1`) so that it never reads as an int, the same text JSON
//            output gives it
//   bool     `true` | `false`
//   duration canonical units, largest first: `1h30m`, `500ms`, `1d1h1m1s1ms`, `0s`, `-5m`
//   time     RFC 3339 in UTC, milliseconds only when non-zero: `2025-01-12T02:00:00Z`,
//            `2025-01-12T02:00:00.250Z`
//   none     the empty string
//   string   its text
//   list, map, record  compact JSON (to_json_text)
//   credential `credential(<identity>)`; approver `role:<name>` | `user:<name>`;
//            channel `slack:#ops` | `email:<address>` | `webhook:<name>` | `pagerduty:<name>`
std::string render(const Value& v);

// The canonical duration text above, for `ms` milliseconds (any int64, including the smallest).
std::string format_duration(int64_t ms);
// The RFC 3339 text above for the instant `ms` milliseconds after the Unix epoch.
std::string format_instant(int64_t ms);

// ---- JSON -------------------------------------------------------------------------------------

// `v` as JSON: none → null, numbers and booleans as themselves, strings as strings, durations and
// times as their render() text, lists as arrays, maps and records as objects in their order,
// credentials, approvers and channels as their render() text. Ordered JSON is the type because a
// plain nlohmann::json would sort object keys, and wf keeps insertion order.
nlohmann::ordered_json to_json(const Value& v);
// Compact JSON text of `v` (`to_json(...)` in wf, and `wf run`'s stdout). Text that is not valid
// UTF-8 (job output can be anything) is written with U+FFFD in place of the bad bytes rather than
// failing.
std::string to_json_text(const Value& v);

// The deepest nesting of arrays and objects parse_json_text accepts. Values are destroyed and
// rendered recursively, so hostile input (an event payload, a job's stdout) must not be able to
// build a tree deep enough to exhaust the stack.
inline constexpr int kMaxJsonDepth = 512;

// JSON → value: objects → Map (in their order), arrays → List, strings → Str, booleans → Bool,
// null → None; a number written without fraction or exponent → Int when it fits in 64 bits,
// every other number → Float (so `1.0` stays a float and round-trips as `1.0`). The caller
// bounds the depth (parse_json_text does).
Value from_json(const nlohmann::ordered_json& j);
Value from_json(const nlohmann::json& j);

// Parses JSON text into a value. On malformed text or nesting deeper than kMaxJsonDepth returns
// false and sets `error` to a one-line description; throws only std::bad_alloc.
bool parse_json_text(std::string_view text, Value& out, std::string& error);

// ---- Approvers and channels ------------------------------------------------------------------

// An Approver is a record tagged Tag::Approver with fields {kind, name}, kind "role" or "user";
// a Channel is tagged Tag::Channel with fields {kind, target}, kind "slack", "email", "webhook" or
// "pagerduty".
// Both fields are strings. Build them only through these helpers so every part agrees.
inline constexpr std::string_view kApproverRole = "role";
inline constexpr std::string_view kApproverUser = "user";
inline constexpr std::string_view kChannelSlack = "slack";
inline constexpr std::string_view kChannelEmail = "email";
inline constexpr std::string_view kChannelWebhook = "webhook";
inline constexpr std::string_view kChannelPagerDuty = "pagerduty";

const Shape* approver_shape();  // {kind, name}
const Shape* channel_shape();   // {kind, target}
Value make_approver(std::string_view kind, std::string name);
Value make_channel(std::string_view kind, std::string target);

}  // namespace wf::vm

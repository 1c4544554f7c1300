// Reading the JSON the service answers without trusting its shape: a missing field, or one of
// another type, reads as absent rather than throwing or asserting, so a server that answers
// something unexpected gives a clear message instead of a crash.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wf::cli {

// Ordered, so objects the service sends (a workflow's result record, its variables) are shown in
// the order the service wrote them.
using Json = nlohmann::ordered_json;

// The field `name` of `object`, or nullptr when `object` is not an object or has no such field.
const Json* field(const Json& object, std::string_view name);

// A string field's value; "" when absent or not a string.
std::string text_field(const Json& object, std::string_view name);

// An integer field's value; nullopt when absent, not an integer, or out of the int64 range.
std::optional<int64_t> int_field(const Json& object, std::string_view name);

// JSON on one line, as `wf run` prints a result; bytes that are not UTF-8 are replaced.
std::string compact(const Json& value);

// JSON indented by two spaces, for `--format json` output meant for people and programs alike.
std::string pretty(const Json& value);

}  // namespace wf::cli

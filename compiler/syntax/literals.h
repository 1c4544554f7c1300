// Decoding of literal spellings into values: integers with `_`, durations (`1h30m`), percentages,
// string escapes and the indentation rule of multi-line strings (SPEC §1.1). Pure functions, so
// the lexer tests can exercise each corner directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wf {

// `1_000` → 1000; nullopt when the value does not fit in 64 bits.
std::optional<int64_t> decode_int(std::string_view spelling);
// `2e3`, `1.5` → double; nullopt when out of range.
std::optional<double> decode_float(std::string_view spelling);
// `500ms`, `1h30m`, `1d` → milliseconds; nullopt unless every unit is one of d h m s ms, units
// descend strictly, and the total fits in 64 bits.
std::optional<int64_t> decode_duration(std::string_view spelling);
// `12.5%` → 12.5; nullopt unless within 0..100.
std::optional<double> decode_percent(std::string_view spelling);
// The character an escape `\x` stands for; nullopt for an unknown escape.
std::optional<char> decode_escape(char c);
// Canonical rendering of a duration (`1h30m`, `500ms`, `0s`), as interpolation shows it.
std::string format_duration(int64_t millis);

}  // namespace wf

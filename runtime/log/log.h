// The service's one logger: every line `wf serve` writes to stderr goes through it, as text
// ("wf serve: message key=value ...") or as one JSON object per line, at or above the level the
// operator chose (`wf serve --log-format text|json --log-level debug|info|warn|error`).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace wf::log {

enum class Level { Debug, Info, Warn, Error };
enum class Format { Text, Json };

// "debug", "info", "warn", "error"; nullopt for another word.
std::optional<Level> parse_level(std::string_view word);
std::optional<Format> parse_format(std::string_view word);
std::string_view level_name(Level level);

// How the process writes its lines from now on. `program` starts each text line ("wf serve").
// Called once at start, before other threads log; text at info by default.
void configure(Format format, Level least, std::string program = "wf serve");

// Whether a line of `level` would be written: to skip building fields no one reads.
bool enabled(Level level);

// A field of a line: a name and a string, an integer or a number.
struct Field {
  std::string_view name;
  std::variant<std::string_view, int64_t, double> value;
  Field(std::string_view n, std::string_view v) : name(n), value(v) {}
  Field(std::string_view n, const std::string& v) : name(n), value(std::string_view(v)) {}
  Field(std::string_view n, const char* v) : name(n), value(std::string_view(v)) {}
  Field(std::string_view n, int64_t v) : name(n), value(v) {}
  Field(std::string_view n, int v) : name(n), value(static_cast<int64_t>(v)) {}
  Field(std::string_view n, uint64_t v) : name(n), value(static_cast<int64_t>(v)) {}
  Field(std::string_view n, double v) : name(n), value(v) {}
};
using Fields = std::initializer_list<Field>;

// Writes one line (any thread): the time (JSON only), the level, the message and the fields.
void write(Level level, std::string_view message, Fields fields = {});

inline void debug(std::string_view message, Fields fields = {}) { write(Level::Debug, message, fields); }
inline void info(std::string_view message, Fields fields = {}) { write(Level::Info, message, fields); }
inline void warn(std::string_view message, Fields fields = {}) { write(Level::Warn, message, fields); }
inline void error(std::string_view message, Fields fields = {}) { write(Level::Error, message, fields); }

// The line write() would make, without writing it (for tests).
std::string format_line(Format format, std::string_view program, Level level, int64_t wall_ms, std::string_view message, Fields fields);

}  // namespace wf::log

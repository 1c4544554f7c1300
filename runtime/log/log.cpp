// The service's logger (see log.h).
#include "runtime/log/log.h"

#include <cstdio>
#include <ctime>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"

namespace wf::log {

namespace {

struct Settings {
  Format format = Format::Text;
  Level least = Level::Info;
  std::string program = "wf serve";
};

Settings& settings() {
  static Settings s;
  return s;
}

// One line at a time on stderr: the writer's thread logs too.
std::mutex& output_mutex() {
  static std::mutex m;
  return m;
}

// "2026-12-07T15:04:05.123Z"
std::string utc_time(int64_t wall_ms) {
  const std::time_t seconds = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", text, wall_ms % 1000);
}

// A text field's value: bare when it has no space, quote or equals sign; else JSON-quoted.
void text_value(std::string& out, std::string_view v) {
  const bool bare = !v.empty() && v.find_first_of(" \"=\n\t\\") == std::string_view::npos;
  if (bare) out += v;
  else out += nlohmann::json(std::string(v)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::optional<Level> parse_level(std::string_view word) {
  if (word == "debug") return Level::Debug;
  if (word == "info") return Level::Info;
  if (word == "warn") return Level::Warn;
  if (word == "error") return Level::Error;
  return std::nullopt;
}

std::optional<Format> parse_format(std::string_view word) {
  if (word == "text") return Format::Text;
  if (word == "json") return Format::Json;
  return std::nullopt;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "info";
}

void configure(Format format, Level least, std::string program) {
  Settings& s = settings();
  s.format = format;
  s.least = least;
  s.program = std::move(program);
}

bool enabled(Level level) { return level >= settings().least; }

std::string format_line(Format format, std::string_view program, Level level, int64_t wall_ms, std::string_view message, Fields fields) {
  if (format == Format::Json) {
    nlohmann::ordered_json j;
    j["time"] = utc_time(wall_ms);
    j["level"] = level_name(level);
    j["msg"] = message;
    for (const Field& f : fields) {
      if (const auto* s = std::get_if<std::string_view>(&f.value)) j[std::string(f.name)] = *s;
      else if (const auto* i = std::get_if<int64_t>(&f.value)) j[std::string(f.name)] = *i;
      else j[std::string(f.name)] = std::get<double>(f.value);
    }
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  // Text keeps the lines an operator has always read: the program, the message, then the fields.
  std::string out = fmt::format("{}: ", program);
  out += message;
  for (const Field& f : fields) {
    out += ' ';
    out += f.name;
    out += '=';
    if (const auto* s = std::get_if<std::string_view>(&f.value)) text_value(out, *s);
    else if (const auto* i = std::get_if<int64_t>(&f.value)) out += std::to_string(*i);
    else out += fmt::format("{}", std::get<double>(f.value));
  }
  out += '\n';
  return out;
}

void write(Level level, std::string_view message, Fields fields) {
  if (!enabled(level)) return;
  const Settings& s = settings();
  const std::string line = format_line(s.format, s.program, level, effects::wall_clock_ms(), message, fields);
  std::lock_guard lock(output_mutex());
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace wf::log

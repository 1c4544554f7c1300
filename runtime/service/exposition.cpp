// The Prometheus text format's writer (see exposition.h).
#include "runtime/service/exposition.h"

#include <cmath>

#include <fmt/format.h>

namespace wf::service {

namespace {

// HELP text escapes backslash and newline; label values also the double quote.
void escaped(std::string& out, std::string_view s, bool quote) {
  for (const char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (quote && c == '"') out += "\\\"";
    else out += c;
  }
}

}  // namespace

void Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out_), "# HELP {} ", name);
  escaped(out_, help, false);
  fmt::format_to(std::back_inserter(out_), "\n# TYPE {} {}\n", name, type);
}

void Exposition::sample(std::string_view name, Labels labels, double value) { sample(name, labels, {}, {}, value); }

void Exposition::sample(std::string_view name, Labels given, std::string_view extra_name, std::string_view extra_value, double v) {
  out_ += name;
  labels(given, extra_name, extra_value);
  out_ += ' ';
  value(v);
  out_ += '\n';
}

void Exposition::labels(Labels given, std::string_view extra_name, std::string_view extra_value) {
  if (given.size() == 0 && extra_name.empty()) return;
  out_ += '{';
  bool first = true;
  auto one = [&](std::string_view name, std::string_view value) {
    if (!first) out_ += ',';
    first = false;
    out_ += name;
    out_ += "=\"";
    escaped(out_, value, true);
    out_ += '"';
  };
  for (const auto& [name, value] : given) one(name, value);
  if (!extra_name.empty()) one(extra_name, extra_value);
  out_ += '}';
}

void Exposition::value(double v) {
  if (std::isinf(v)) out_ += v > 0 ? "+Inf" : "-Inf";
  else if (std::isnan(v)) out_ += "NaN";
  else if (v == std::floor(v) && std::fabs(v) < 1e15) fmt::format_to(std::back_inserter(out_), "{}", static_cast<int64_t>(v));
  else fmt::format_to(std::back_inserter(out_), "{}", v);
}

}  // namespace wf::service

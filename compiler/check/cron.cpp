// Cron expression validation (see cron.h).
#include "check/cron.h"

#include <array>
#include <cctype>
#include <sstream>
#include <vector>

namespace wf {

namespace {

struct FieldSpec {
  const char* name;
  int min, max;
  std::vector<std::string> names;  // names[i] stands for min + i
};

const std::array<FieldSpec, 5>& fields() {
  static const std::array<FieldSpec, 5> kFields = {{
      {"minute", 0, 59, {}},
      {"hour", 0, 23, {}},
      {"day of month", 1, 31, {}},
      {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
      {"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
  }};
  return kFields;
}

bool value(const FieldSpec& f, const std::string& text, int& out) {
  if (text.empty()) return false;
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    if (text.size() > 3) return false;
    for (char c : text)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = std::stoi(text);
    return out >= f.min && out <= f.max;
  }
  std::string lower;
  for (char c : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (size_t i = 0; i < f.names.size(); ++i)
    if (f.names[i] == lower) {
      out = f.min + static_cast<int>(i);
      return true;
    }
  return false;
}

std::string item_problem(const FieldSpec& f, const std::string& item) {
  std::string range = item, step;
  if (auto slash = item.find('/'); slash != std::string::npos) {
    range = item.substr(0, slash);
    step = item.substr(slash + 1);
    int s = 0;
    if (step.empty() || step.size() > 3 || step.find_first_not_of("0123456789") != std::string::npos ||
        (s = std::stoi(step)) == 0 || s > f.max)
      return "bad step `" + step + "` in the " + f.name + " field";
  }
  if (range == "*") return {};
  int lo = 0, hi = 0;
  if (auto dash = range.find('-'); dash != std::string::npos) {
    if (!value(f, range.substr(0, dash), lo) || !value(f, range.substr(dash + 1), hi))
      return "`" + range + "` is out of range for the " + f.name + " field (" + std::to_string(f.min) + "-" +
             std::to_string(f.max) + ")";
    if (lo > hi) return "range `" + range + "` runs backwards";
    return {};
  }
  if (!value(f, range, lo))
    return "`" + range + "` is not valid in the " + f.name + " field (" + std::to_string(f.min) + "-" +
           std::to_string(f.max) + ")";
  return {};
}

}  // namespace

std::string cron_problem(std::string_view expr) {
  std::istringstream in{std::string(expr)};
  std::vector<std::string> parts;
  for (std::string p; in >> p;) parts.push_back(p);
  if (parts.size() != 5)
    return "a cron expression has 5 fields (minute hour day-of-month month day-of-week), found " +
           std::to_string(parts.size());
  for (size_t i = 0; i < 5; ++i) {
    std::string field = parts[i];
    size_t start = 0;
    for (;;) {
      const size_t comma = field.find(',', start);
      const std::string item = field.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (item.empty()) return std::string("empty list item in the ") + fields()[i].name + " field";
      if (auto p = item_problem(fields()[i], item); !p.empty()) return p;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return {};
}

}  // namespace wf

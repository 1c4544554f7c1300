// Text output of the client commands (see text_render.h).
#include "cli/client/text_render.h"

#include <fmt/format.h>

#include <algorithm>

namespace wf::cli {

namespace {

// Characters, not bytes: a title in another script must not push the columns after it.
size_t display_width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // UTF-8 continuation bytes add nothing
  }));
}

// At most `limit` bytes of `text`, cut on a character boundary, with "..." when something was cut.
std::string shortened(std::string text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

// An id the service sent as a number (or, from an unexpected server, as a string).
std::string id_text(const Json& object, std::string_view name) {
  if (auto id = int_field(object, name)) return std::to_string(*id);
  const std::string text = text_field(object, name);
  return text.empty() ? "-" : one_line(text);
}

// Values of variables can be whole documents; the summary shows their start (--format json has all).
constexpr size_t kLongestValue = 200;

}  // namespace

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F) {
      out.push_back(' ');
    } else if (byte == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out.push_back(' ');  // a C1 control (U+0080..U+009F), such as the one-byte CSI
      ++i;
    } else {
      out.push_back(static_cast<char>(byte));
    }
  }
  return out;
}

std::string or_dash(const std::string& text) { return text.empty() ? "-" : one_line(text); }

std::string int_or_dash(const Json& object, std::string_view name) {
  const auto value = int_field(object, name);
  return value ? std::to_string(*value) : "-";
}

std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const std::string& title : header) widths.push_back(display_width(title));
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));

  std::string out;
  auto add_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? one_line(row[i]) : std::string();
      line += cell;
      if (i + 1 < widths.size()) line.append(widths[i] - std::min(widths[i], display_width(cell)) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  add_row(header);
  for (const auto& row : rows) add_row(row);
  return out;
}

std::string format_duration_ms(int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60'000) return fmt::format("{}.{}s", ms / 1000, ms % 1000 / 100);
  const int64_t seconds = ms / 1000;
  if (seconds < 3600) return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
  return fmt::format("{}h{:02}m", seconds / 3600, seconds % 3600 / 60);
}

std::string status_text(const Json& instance) {
  std::string status = or_dash(text_field(instance, "status"));
  const std::string reason = text_field(instance, "pause_reason");
  if (!reason.empty()) status += " (" + one_line(reason) + ")";
  return status;
}

std::string render_instance_table(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  if (items.is_array()) {
    for (const Json& item : items)
      rows.push_back({id_text(item, "id"), or_dash(text_field(item, "workflow")), status_text(item),
                      or_dash(text_field(item, "started_at"))});
  }
  return render_table({"ID", "WORKFLOW", "STATUS", "STARTED"}, rows);
}

std::string render_approval_table(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  if (items.is_array()) {
    for (const Json& item : items)
      rows.push_back({id_text(item, "id"), id_text(item, "instance_id"), or_dash(text_field(item, "status")),
                      or_dash(text_field(item, "title"))});
  }
  return render_table({"ID", "INSTANCE", "STATUS", "TITLE"}, rows);
}

std::string render_instance_detail(const Json& detail) {
  std::string out = fmt::format("instance {}: {}", id_text(detail, "id"), or_dash(text_field(detail, "workflow")));
  if (auto version = int_field(detail, "version")) out += fmt::format(" (version {})", *version);
  out += '\n';
  auto line = [&out](std::string_view label, const std::string& value) {
    if (!value.empty()) out += fmt::format("{:<10} {}\n", label, one_line(value));
  };
  line("status", status_text(detail));
  line("created", text_field(detail, "created_at"));
  line("scheduled", text_field(detail, "scheduled_at"));
  line("started", text_field(detail, "started_at"));
  line("ended", text_field(detail, "ended_at"));
  std::string error = text_field(detail, "error_message");
  if (const Json* e = field(detail, "error"); e != nullptr && e->is_object()) {
    const std::string kind = text_field(*e, "kind");
    if (error.empty()) error = text_field(*e, "message");
    if (!kind.empty()) error = error.empty() ? kind : kind + ": " + error;
    const std::string step = text_field(*e, "step");
    if (!step.empty()) error += " (in step \"" + step + "\")";
  }
  line("error", error);

  const Json* steps = field(detail, "steps");
  if (steps != nullptr && steps->is_array() && !steps->empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const Json& step : *steps) {
      std::string jobs;
      if (const Json* ids = field(step, "jobs"); ids != nullptr && ids->is_array()) {
        for (const Json& id : *ids) {
          if (!jobs.empty()) jobs += ",";
          jobs += id.is_number_integer() ? compact(id) : "?";
        }
      }
      const auto duration = int_field(step, "duration_ms");
      rows.push_back({id_text(step, "index"), or_dash(text_field(step, "kind")), or_dash(text_field(step, "name")),
                      or_dash(text_field(step, "status")), duration ? format_duration_ms(*duration) : "-",
                      jobs.empty() ? "-" : jobs});
    }
    out += "steps\n";
    const std::string table = render_table({"#", "KIND", "NAME", "STATUS", "DURATION", "JOBS"}, rows);
    for (size_t start = 0; start < table.size();) {
      const size_t end = table.find('\n', start);
      out += "  " + table.substr(start, end - start + 1);
      start = end + 1;
    }
  }

  const Json* variables = field(detail, "variables");
  if (variables != nullptr && variables->is_object() && !variables->empty()) {
    out += "variables\n";
    for (const auto& [name, value] : variables->items())
      out += fmt::format("  {} = {}\n", one_line(name), one_line(shortened(compact(value), kLongestValue)));
  }

  if (const Json* result = field(detail, "result"); result != nullptr && (!result->is_null() || text_field(detail, "status") == "completed"))
    line("result", compact(*result));
  return out;
}

std::string render_log_entry(const Json& entry) {
  std::string message = text_field(entry, "message");
  if (message.empty()) {
    if (const Json* data = field(entry, "data"); data != nullptr && !data->is_null()) message = compact(*data);
  }
  return one_line(fmt::format("{}  {}  {}", or_dash(text_field(entry, "at")), or_dash(text_field(entry, "kind")), message));
}

std::string render_diagnostic(const Json& diagnostic, std::string_view display_file) {
  std::string where(display_file);
  if (auto line = int_field(diagnostic, "line")) {
    where += fmt::format(":{}", *line);
    if (auto column = int_field(diagnostic, "column")) where += fmt::format(":{}", *column);
  }
  std::string severity = text_field(diagnostic, "severity");
  if (severity.empty()) severity = "error";
  const std::string code = text_field(diagnostic, "code");
  const std::string label = code.empty() ? severity : fmt::format("{}[{}]", severity, code);
  return one_line(fmt::format("{}: {}: {}", where, label, text_field(diagnostic, "message")));
}

}  // namespace wf::cli

// JSON rendering of diagnostics: one flat object per diagnostic, positions resolved to lines.
#include "diagnostics/render_json.h"

#include <algorithm>
#include <string>

namespace wf {

namespace {

// Adds file, line and column (and, with `with_end`, end_line and end_column) for `where`.
void add_position(const std::vector<std::unique_ptr<SourceFile>>& files, const Location& where, bool with_end,
                  nlohmann::json& out) {
  // An out-of-range file index is a compiler bug; the entry keeps its message and gets no place.
  if (where.file >= files.size()) {
    out["file"] = nullptr;
    return;
  }
  const SourceFile& file = *files[where.file];
  const LineCol begin = file.position(where.range.begin);
  out["file"] = file.path();
  out["line"] = begin.line;
  out["column"] = begin.column;
  if (!with_end) return;
  const LineCol end = file.position(std::max(where.range.end, where.range.begin));
  out["end_line"] = end.line;
  out["end_column"] = end.column;
}

}  // namespace

nlohmann::json diagnostics_to_json(const std::vector<std::unique_ptr<SourceFile>>& files,
                                   const std::vector<Diagnostic>& diagnostics) {
  nlohmann::json out = nlohmann::json::array();
  for (const Diagnostic& d : diagnostics) {
    nlohmann::json entry = nlohmann::json::object();
    add_position(files, d.where, true, entry);
    entry["severity"] = std::string(severity_name(d.severity));
    entry["code"] = std::string(info(d.code).code);
    entry["message"] = d.message;
    nlohmann::json notes = nlohmann::json::array();
    for (const DiagNote& n : d.notes) {
      nlohmann::json note = nlohmann::json::object();
      add_position(files, n.where, false, note);
      note["message"] = n.message;
      notes.push_back(std::move(note));
    }
    entry["notes"] = std::move(notes);
    if (d.fix) {
      nlohmann::json fix = {{"title", d.fix->title}};
      add_position(files, d.fix->where, true, fix);
      fix["replacement"] = d.fix->replacement;
      entry["fix"] = std::move(fix);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace wf

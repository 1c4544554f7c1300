// Legacy graph to checked, formatted wf source (see import.h).
#include "import.h"

#include <fmt/format.h>

#include <memory>

#include "diagnostics/diagnostic.h"
#include "driver/compilation.h"
#include "emit_source.h"
#include "format/format.h"
#include "import_error.h"
#include "legacy_graph.h"
#include "source/source_file.h"

namespace wf::legacy {

ImportResult import_legacy(const std::string& json_text, const ImportOptions& options) {
  ImportResult result;
  Graph graph;
  if (!parse_graph(json_text, graph, result.error)) return result;
  Emitted emitted;
  try {
    emitted = emit_source(graph, {options.scripts_dir});
  } catch (const ImportError& e) {
    result.error = e.message;
    result.note = e.note;
    return result;
  }
  result.workflow = emitted.workflow;
  result.structured = emitted.structured;
  result.warnings = std::move(emitted.warnings);
  const std::string file = result.workflow + ".wf";
  SourceFile raw(file, emitted.source);
  DiagnosticSink sink;
  FormatResult formatted = format_source(raw, 0, sink);
  if (formatted.status != FormatResult::Status::Formatted) {
    std::string why = formatted.problem;
    for (const Diagnostic& d : sink.all()) {
      const auto pos = raw.position(d.where.range.begin);
      why += fmt::format("{}line {}: {}", why.empty() ? "" : "; ", pos.line, d.message);
    }
    result.error = fmt::format("internal error: the generated source does not parse: {}", why);
    result.source = emitted.source;
    return result;
  }
  result.source = std::move(formatted.text);
  if (options.check) {
    Compilation c;
    c.check_text(file, result.source);
    if (c.diagnostics().error_count() > 0) {
      std::string why;
      for (const Diagnostic& d : c.diagnostics().all()) {
        if (d.severity != Severity::Error) continue;
        const auto pos = c.file(d.where.file).position(d.where.range.begin);
        why += fmt::format("\n  line {}: {}", pos.line, d.message);
      }
      result.error = fmt::format("the generated source does not check:{}", why);
      return result;
    }
  }
  result.ok = true;
  return result;
}

bool is_legacy_graph(const nlohmann::json& body) { return body.is_object() && body.contains("steps"); }

}  // namespace wf::legacy

// Formatting a document: wf_format's canonical layout of its text, or why there is none.
#include "analysis/features.h"
#include "format/format.h"

namespace wf::analysis {

Formatting format_text(const std::string& path, const std::string& text) {
  const SourceFile source(path, text);
  DiagnosticSink sink;
  FormatResult result = format_source(source, 0, sink);
  switch (result.status) {
    case FormatResult::Status::Formatted: return Formatting{true, std::move(result.text), {}};
    case FormatResult::Status::SyntaxErrors: {
      std::string error = "cannot format a document with syntax errors";
      // The first error is the one to fix first; the editor's problem list shows the rest.
      if (!sink.all().empty()) {
        const Diagnostic& first = sink.all().front();
        error += " (line " + std::to_string(source.position(first.where.range.begin).line) + ": " + first.message + ")";
      }
      return Formatting{false, {}, std::move(error)};
    }
    case FormatResult::Status::Refused: return Formatting{false, {}, "the formatter refused its layout: " + result.problem};
  }
  return Formatting{false, {}, "unknown formatter status"};
}

}  // namespace wf::analysis

// The diagnostic code table and the sink that collects diagnostics.
#include "diagnostics/diagnostic.h"

#include <algorithm>

namespace wf {

namespace {
const DiagCodeInfo kCodes[] = {
#define WF_DIAGNOSTIC(name, code, severity, meaning) {code, Severity::severity, meaning},
#include "diagnostics/diagnostic_codes.def"
#undef WF_DIAGNOSTIC
};
}  // namespace

const DiagCodeInfo& info(DiagCode code) { return kCodes[static_cast<int>(code)]; }

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

Diagnostic& DiagnosticSink::report(DiagCode code, Location where, std::string message) {
  diagnostics_.push_back(Diagnostic{code, info(code).severity, where, std::move(message), {}, {}});
  return diagnostics_.back();
}

size_t DiagnosticSink::error_count() const {
  return std::count_if(diagnostics_.begin(), diagnostics_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

void DiagnosticSink::sort() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.where.file != b.where.file) return a.where.file < b.where.file;
    return a.where.range.begin < b.where.range.begin;
  });
}

}  // namespace wf

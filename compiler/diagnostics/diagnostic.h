// Diagnostics are values: phases append them to a DiagnosticSink and never print. The CLI, the
// language server and the tests decide how to show them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "source/source_file.h"

namespace wf {

enum class Severity { Error, Warning, Note };

enum class DiagCode {
#define WF_DIAGNOSTIC(name, code, severity, meaning) name,
#include "diagnostics/diagnostic_codes.def"
#undef WF_DIAGNOSTIC
};

struct DiagCodeInfo {
  std::string_view code;  // "E0200"
  Severity severity;
  std::string_view meaning;
};
const DiagCodeInfo& info(DiagCode code);
std::string_view severity_name(Severity s);

// A location: which file (an index into the Compilation's file table) and where in it.
struct Location {
  uint32_t file = 0;
  SourceRange range;
};

struct DiagNote {
  Location where;
  std::string message;
};

// A suggested edit: replace `where` by `replacement`.
struct DiagFix {
  std::string title;
  Location where;
  std::string replacement;
};

struct Diagnostic {
  DiagCode code;
  Severity severity;
  Location where;
  std::string message;
  std::vector<DiagNote> notes;
  std::optional<DiagFix> fix;
};

class DiagnosticSink {
 public:
  Diagnostic& report(DiagCode code, Location where, std::string message);
  const std::vector<Diagnostic>& all() const { return diagnostics_; }
  std::vector<Diagnostic>& all() { return diagnostics_; }
  size_t error_count() const;
  // Sorts by file, then position, so every consumer shows them in source order.
  void sort();

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace wf

// `wf fmt`'s engine: the canonical layout of one source file, for the CLI and the language
// server. A file that does not parse is left alone; the result is checked against the input
// before it is handed out, so formatting never changes what a file means.
#pragma once

#include <cstdint>
#include <string>

#include "diagnostics/diagnostic.h"
#include "source/source_file.h"

namespace wf {

struct FormatResult {
  enum class Status {
    Formatted,     // `text` is the canonical form (equal to the input when it already was)
    SyntaxErrors,  // not formatted; the syntax errors went to the sink
    Refused,       // not formatted: the layout failed its own check (`problem` says how); a bug
  };
  Status status = Status::Formatted;
  std::string text;
  std::string problem;
};

// Formats `source`, whose diagnostics are reported as file `file_index`. Only syntax errors
// (E0001) stop formatting and are reported; other mistakes are the checker's business.
FormatResult format_source(const SourceFile& source, uint32_t file_index, DiagnosticSink& sink);

}  // namespace wf

// Renders diagnostics as the human-readable text of SPEC §1.9: a header line, the source line
// with a caret underline, then notes and the suggested fix.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "source/source_file.h"

namespace wf {

// `files` is the table that the diagnostic's Location::file indexes (Compilation::files()).
// The result ends with a newline. `color` adds ANSI escapes; the caller decides whether the
// output goes to a terminal.
std::string render_text(const std::vector<std::unique_ptr<SourceFile>>& files, const Diagnostic& diagnostic,
                        bool color);

// "2 errors, 1 warning", leaving out zero counts; "ok" when there are neither.
std::string render_summary(const std::vector<Diagnostic>& diagnostics);

}  // namespace wf

// Renders diagnostics as plain JSON for scripts and editors (`wf check --format json`).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "source/source_file.h"

namespace wf {

// An array with one object per diagnostic:
//   {file, line, column, end_line, end_column, severity, code, message,
//    notes: [{file, line, column, message}],
//    fix?: {title, file, line, column, end_line, end_column, replacement}}
// Lines and columns are 1-based, columns count code points, and the end is exclusive: it is the
// position just after the last character of the range. `files` is the table Location::file
// indexes (Compilation::files()).
nlohmann::json diagnostics_to_json(const std::vector<std::unique_ptr<SourceFile>>& files,
                                   const std::vector<Diagnostic>& diagnostics);

}  // namespace wf

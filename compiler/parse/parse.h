// The parser's entry point. It never fails: it returns a Module (with gaps where the source could
// not be parsed) and reports syntax errors (E0001) and bad literals (E0401) to the sink. This
// header is ANTLR-free; only the .cpp files of this folder see the generated parser.
#pragma once

#include <memory>

#include "diagnostics/diagnostic.h"
#include "source/source_file.h"
#include "syntax/ast.h"

namespace wf {

std::unique_ptr<Module> parse_module(const SourceFile& source, uint32_t file_index, DiagnosticSink& sink);

}  // namespace wf

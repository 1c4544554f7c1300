// The whole front end in one call, for the commands that need a module: check the file and its
// imports, lower them, fill in the source hashes and verify the result. Anything but a module is
// reported through the Compilation's diagnostics or `error`.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bytecode/module.h"
#include "driver/compilation.h"

namespace wf {

struct CompileResult {
  std::unique_ptr<Compilation> compilation;  // always set; its diagnostics say what went wrong
  DiagnosticSink lowering;                    // limits of the format (E0500)
  std::optional<bytecode::Module> module;     // set when everything succeeded
  std::string error;                          // an unreadable file, or a module that fails verification
};

CompileResult compile_file(const std::string& path);
CompileResult compile_text(const std::string& path, std::string text);

}  // namespace wf

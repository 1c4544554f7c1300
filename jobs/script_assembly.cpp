// Library prepending and interpreter selection for managed scripts.
#include "jobs/script_assembly.h"

#include "jobs/path_search.h"

namespace wf::jobs {
namespace {

void append_piece(std::string& out, std::string_view piece) {
  out += piece;
  // A library whose last line has no newline would otherwise run into the next piece's first.
  if (!piece.empty() && piece.back() != '\n') out += '\n';
}

}  // namespace

std::string assemble_script(std::span<const std::string> libraries, std::string_view body) {
  std::string script;
  for (const std::string& library : libraries) append_piece(script, library);
  append_piece(script, body);
  return script;
}

std::string_view interpreter_program(Interpreter interpreter) {
  switch (interpreter) {
    case Interpreter::Bash: return "bash";
    case Interpreter::Python: return "python3";
    case Interpreter::PowerShell: return "pwsh";
  }
  return "bash";
}

std::string_view script_extension(Interpreter interpreter) {
  switch (interpreter) {
    case Interpreter::Bash: return ".sh";
    case Interpreter::Python: return ".py";
    case Interpreter::PowerShell: return ".ps1";
  }
  return ".sh";
}

std::vector<std::string> interpreter_arguments(Interpreter interpreter,
                                               std::string_view script_path) {
  std::string path(script_path);
  switch (interpreter) {
    case Interpreter::Bash:
    case Interpreter::Python:
      return {path};
    case Interpreter::PowerShell:
      return {"-NoProfile", "-NonInteractive", "-File", path};
  }
  return {path};
}

std::optional<std::string> find_interpreter(Interpreter interpreter, std::string_view path_list) {
  return find_program(interpreter_program(interpreter), path_list);
}

std::optional<std::string> find_interpreter(Interpreter interpreter) {
  return find_interpreter(interpreter, process_path());
}

}  // namespace wf::jobs

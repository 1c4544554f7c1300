// Turning a managed script into something runnable: its libraries put in front of its body, and
// the interpreter that runs the result (SPEC §1.2 `lang`, `uses`).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/job.h"

namespace wf::jobs {

// The libraries in `uses` order, then the body, each starting on a fresh line. Nothing else is
// added or changed: parameters are never spliced in (they travel as WF_PARAM_* variables).
std::string assemble_script(std::span<const std::string> libraries, std::string_view body);

// The program name looked up on PATH: "bash", "python3" or "pwsh".
std::string_view interpreter_program(Interpreter interpreter);

// The file name extension the interpreter expects; `pwsh -File` refuses anything but ".ps1".
std::string_view script_extension(Interpreter interpreter);

// The arguments after the program that make it run the script file at `script_path` without
// reading profiles or prompting: `FILE`, `FILE`, `-NoProfile -NonInteractive -File FILE`.
std::vector<std::string> interpreter_arguments(Interpreter interpreter,
                                               std::string_view script_path);

// Where the interpreter lives, searched along `path_list`; nullopt when it is not installed.
std::optional<std::string> find_interpreter(Interpreter interpreter, std::string_view path_list);
// The same along this process's PATH.
std::optional<std::string> find_interpreter(Interpreter interpreter);

}  // namespace wf::jobs

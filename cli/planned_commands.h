// The commands SPEC §6 names that this build does not have yet, and what `wf` does with a word
// that names no command at all: both answer clearly instead of with a parser message.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace wf::cli {

// Adds every planned command to `app` (listed in `wf --help`, marked as not available); running
// one says it is not available in this build and exits 2.
void register_planned_commands(CLI::App& app);

// For `wf WORD ...` where WORD is not an option and names no subcommand of `app`: the message
// to print (with the closest command as a suggestion); nullopt when WORD is a command.
std::optional<std::string> unknown_command_message(const CLI::App& app, std::string_view word);

}  // namespace wf::cli

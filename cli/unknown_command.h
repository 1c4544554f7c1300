// What `wf` does with a word that names no command: a clear usage error with the closest command
// suggested, instead of a parser message.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace wf::cli {

// For `wf WORD ...` where WORD is not an option and names no subcommand of `app`: the message
// to print (with the closest command as a suggestion); nullopt when WORD is a command.
std::optional<std::string> unknown_command_message(const CLI::App& app, std::string_view word);

}  // namespace wf::cli

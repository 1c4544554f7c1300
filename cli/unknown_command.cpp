// What `wf` says about a word that names no command (see unknown_command.h).
#include "unknown_command.h"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/check/suggest.h"

namespace wf::cli {

std::optional<std::string> unknown_command_message(const CLI::App& app, std::string_view word) {
  if (word.empty() || word.front() == '-') return std::nullopt;
  std::string closest;
  size_t best = SIZE_MAX;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    const std::string& name = sub->get_name();
    if (name == word) return std::nullopt;
    const size_t d = edit_distance(word, name);
    if (d < best) best = d, closest = name;
  }
  std::string message = fmt::format("wf: unknown command `{}`", word);
  // A suggestion only when it is plausibly a slip of the fingers.
  if (!closest.empty() && best <= std::max<size_t>(2, word.size() / 3)) message += fmt::format("; did you mean `{}`?", closest);
  return message + "\nRun `wf --help` for the list of commands.\n";
}

}  // namespace wf::cli

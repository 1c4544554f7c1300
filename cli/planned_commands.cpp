// Planned commands and unknown command words (see planned_commands.h).
#include "planned_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "exit_codes.h"

namespace wf::cli {

namespace {

struct Planned {
  const char* name;
  const char* does;
};

// SPEC §6's commands that are not built yet; each leaves this table when it is.
constexpr Planned kPlanned[] = {
    {"import", "Convert a legacy step-graph JSON into .wf source"},
};

// Levenshtein distance, for "did you mean".
size_t distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

void register_planned_commands(CLI::App& app) {
  for (const Planned& p : kPlanned) {
    CLI::App* command = app.add_subcommand(p.name, fmt::format("{} (not available in this build yet)", p.does));
    command->allow_extras();
    command->prefix_command();  // everything after the name is its own, unparsed
    command->callback([name = std::string(p.name)] {
      fmt::print(stderr, "wf {}: not available in this build yet; `wf --help` lists what is\n", name);
      throw CLI::RuntimeError(kExitUsage);
    });
  }
}

std::optional<std::string> unknown_command_message(const CLI::App& app, std::string_view word) {
  if (word.empty() || word.front() == '-') return std::nullopt;
  std::string closest;
  size_t best = SIZE_MAX;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    const std::string& name = sub->get_name();
    if (name == word) return std::nullopt;
    const size_t d = distance(word, name);
    if (d < best) best = d, closest = name;
  }
  std::string message = fmt::format("wf: unknown command `{}`", word);
  // A suggestion only when it is plausibly a slip of the fingers.
  if (!closest.empty() && best <= std::max<size_t>(2, word.size() / 3)) message += fmt::format("; did you mean `{}`?", closest);
  return message + "\nRun `wf --help` for the list of commands.\n";
}

}  // namespace wf::cli

// What `wf` says about a word that names no command (see unknown_command.h).
#include "unknown_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace wf::cli {

namespace {

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

// "Did you mean ...?": the known name closest to a mistyped one, when it is close enough to be
// what was meant.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wf {

// The number of single-character insertions, deletions, substitutions and swaps of neighbours
// that turn `a` into `b` (optimal string alignment distance).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name`, if one is close: at most 2 edits, and at most a third of the
// name's length (one edit for names of up to five characters), and never the whole name, so `x`
// does not suggest `y`. Ties go to the candidate listed first.
std::optional<std::string> closest_name(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace wf
